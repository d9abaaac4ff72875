import { atom } from 'nanostores';
import { apiRequest, ApiError, describeError } from '../api.js';

// The blog's settings form. Errors from the server are kept by field name,
// so each shows next to its input, named by the input's label.

/** The label of each setting's input, by its API name. */
export const settingLabels = {
  title: 'Title',
  description: 'Description',
  base_url: 'Base URL',
  posts_per_page: 'Posts per page',
  timezone: 'Time zone',
  allow_raw_html: 'Allow raw HTML',
  iframe_hosts: 'Iframe hosts',
};

/** Rewrites the server's `The field "base_url" must be …` as `Base URL must be …`. */
function labelledMessage(field, message) {
  const label = settingLabels[field];
  return label ? message.replace(`The field "${field}"`, label) : message;
}

export const $settings = atom({
  values: null,
  loading: false,
  saving: false,
  loadError: '',
  saveError: '',
  fieldErrors: {},
  saved: false,
});

function update(changes) {
  $settings.set({ ...$settings.get(), ...changes });
}

export async function loadSettings() {
  update({ loading: true, loadError: '', saved: false, fieldErrors: {}, saveError: '' });
  try {
    update({ values: await apiRequest('GET', 'settings'), loading: false });
  } catch (error) {
    update({ loading: false, loadError: describeError(error) });
  }
}

/** Saves every setting; the server saves none when one is invalid. */
export async function saveSettings(values) {
  update({ saving: true, saveError: '', fieldErrors: {}, saved: false });
  try {
    update({ values: await apiRequest('PUT', 'settings', { body: values }), saving: false, saved: true });
  } catch (error) {
    if (error instanceof ApiError && error.field) {
      update({ saving: false, fieldErrors: { [error.field]: labelledMessage(error.field, error.message) } });
      return;
    }
    update({ saving: false, saveError: `Settings not saved. ${describeError(error)}` });
  }
}

/** Splits the Iframe hosts input, one host per line or comma-separated. */
export function parseHostList(text) {
  return text
    .split(/[\n,]/)
    .map((host) => host.trim())
    .filter((host) => host !== '');
}
