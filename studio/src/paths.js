// The module rewrites the <base href> of index.html to the studio's mount
// point (such as /studio/ or /write/), so every URL the app builds starts
// from document.baseURI.
export const mountPath = new URL(document.baseURI).pathname.replace(/\/?$/, '/');

export const apiBase = `${mountPath}api/`;
