// The fields an author edits, in the form the editor's inputs use. Tags
// are one comma-separated string there and a list of names in the API.

export const editableFields = ['title', 'slug', 'tags', 'description', 'source'];

/** Splits the Tags input into tag names, dropping empty ones. */
export function parseTags(text) {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/** Returns the editor's field values for a post from the API. */
export function fieldsFromPost(post) {
  return {
    title: post.title ?? '',
    slug: post.slug ?? '',
    tags: (post.tags ?? []).join(', '),
    description: post.description ?? '',
    source: post.source ?? '',
  };
}

function sameList(a, b) {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** Returns the API value of one field, or undefined when it equals the post's. */
function changedValue(name, value, post) {
  if (name === 'tags') {
    const tags = parseTags(value);
    return sameList(tags, post.tags ?? []) ? undefined : tags;
  }
  if (name === 'slug') {
    // With an empty slug, the server derives one from the title.
    const slug = value.trim();
    return slug === post.slug ? undefined : slug;
  }
  return value === (post[name] ?? '') ? undefined : value;
}

/**
 * Returns the request body that brings `post` to `fields`, with only the
 * fields that differ, or null when nothing differs.
 */
export function changedFields(fields, post) {
  const body = {};
  for (const name of editableFields) {
    const value = changedValue(name, fields[name], post);
    if (value !== undefined) {
      body[name] = value;
    }
  }
  return Object.keys(body).length > 0 ? body : null;
}

/**
 * Returns the slug the server makes from a title: ASCII letters and digits
 * lowercased, other ASCII runs as one dash, non-ASCII kept. The server
 * also cuts it at 120 bytes, which this leaves out.
 */
function slugFromTitle(title) {
  let slug = '';
  let dash = false;
  for (const char of title) {
    const ascii = char.codePointAt(0) < 0x80;
    if (!ascii || /[A-Za-z0-9]/.test(char)) {
      slug += (dash && slug !== '' ? '-' : '') + (ascii ? char.toLowerCase() : char);
      dash = false;
    } else {
      dash = true;
    }
  }
  return slug;
}

/**
 * Returns whether a save should let the server make a new slug from a new
 * title: the post is a draft that was never published, and its slug is
 * the one made from "Untitled" or from the title before.
 */
function slugFollowsTitle(fields, post) {
  if (post.status !== 'draft' || post.published_at || fields.slug !== post.slug || fields.title === post.title) {
    return false;
  }
  const generatedSlug = new RegExp(`^(untitled|${escapeRegExp(slugFromTitle(post.title))})(-\\d+)?$`);
  return fields.title.trim() !== '' && generatedSlug.test(post.slug);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Returns the body of a save that brings `post` to `fields`, or null when
 * nothing differs. It asks for a new slug when the slug follows the title.
 */
export function saveBody(fields, post) {
  const body = changedFields(fields, post);
  if (body && slugFollowsTitle(fields, post)) {
    body.slug = '';
  }
  return body;
}

/**
 * Returns a digest of a string: its length and the 32-bit FNV-1a hash of
 * its UTF-16 code units. Comparing digests shows whether a field changed
 * without storing it twice, and misses a change with a chance of about
 * 2^-32 when the length stays the same.
 */
function digest(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${text.length}:${(hash >>> 0).toString(16)}`;
}

/** Returns the digest of every editable field, keyed by field name. */
export function fieldDigests(fields) {
  return Object.fromEntries(editableFields.map((name) => [name, digest(fields[name])]));
}

/**
 * Returns the fields the author changed since the base whose digests are
 * `baseDigests`, or every field when the base is not known.
 */
export function fieldsChangedFromBase(fields, baseDigests) {
  if (!baseDigests) {
    return editableFields;
  }
  return editableFields.filter((name) => digest(fields[name]) !== baseDigests[name]);
}

/**
 * Merges two versions of a post three ways, field by field: the author's
 * value where the author changed the field since the base, else theirs.
 */
export function mergeFields(mine, theirs, baseDigests) {
  const changedByMe = fieldsChangedFromBase(mine, baseDigests);
  const merged = {};
  for (const name of editableFields) {
    merged[name] = changedByMe.includes(name) ? mine[name] : theirs[name];
  }
  return merged;
}

/** Returns whether two sets of editor fields are identical. */
export function sameFields(a, b) {
  return editableFields.every((name) => a[name] === b[name]);
}

/** Returns the UTF-8 size of a string in bytes. */
export function byteLength(text) {
  return new TextEncoder().encode(text).length;
}
