import { useStore } from '@nanostores/react';
import { useEffect, useId, useRef, useState } from 'react';
import { setLeaveWarning } from '../stores/router.js';
import { $settings, loadSettings, parseHostList, saveSettings, settingLabels } from '../stores/settings.js';
import { TextField } from './TextField.jsx';

function formFromSettings(values) {
  return {
    title: values.title ?? '',
    description: values.description ?? '',
    base_url: values.base_url ?? '',
    posts_per_page: String(values.posts_per_page ?? ''),
    timezone: values.timezone ?? '',
    allow_raw_html: Boolean(values.allow_raw_html),
    iframe_hosts: (values.iframe_hosts ?? []).join('\n'),
  };
}

function settingsFromForm(form) {
  const perPage = form.posts_per_page.trim();
  return {
    title: form.title,
    description: form.description,
    base_url: form.base_url.trim(),
    // Anything but a whole number goes as text, so the server names the field.
    posts_per_page: /^\d+$/.test(perPage) ? Number(perPage) : perPage,
    timezone: form.timezone.trim(),
    allow_raw_html: form.allow_raw_html,
    iframe_hosts: parseHostList(form.iframe_hosts),
  };
}

function sameForm(a, b) {
  return Object.keys(a).every((name) => a[name] === b[name]);
}

// Zone names for the Time zone input's suggestions; the server checks the
// value against its own zone files.
const timeZones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

export function SettingsPage() {
  const settings = useStore($settings);
  const [form, setForm] = useState(null);
  const formRef = useRef(null);

  useEffect(() => {
    loadSettings().then(() => {
      const { values } = $settings.get();
      if (values) {
        setForm(formFromSettings(values));
      }
    });
  }, []);

  const unsaved = form !== null && settings.values !== null && !sameForm(form, formFromSettings(settings.values));
  useEffect(() => {
    setLeaveWarning(unsaved ? 'Leave the settings page? Your changes to the settings are not saved.' : null);
  }, [unsaved]);
  useEffect(() => () => setLeaveWarning(null), []);

  // Keyboard and screen reader users land on the field the server named.
  useEffect(() => {
    formRef.current?.querySelector('[aria-invalid="true"]')?.focus();
  }, [settings.fieldErrors]);

  async function handleSubmit(event) {
    event.preventDefault();
    await saveSettings(settingsFromForm(form));
    const { saved, values } = $settings.get();
    if (saved) {
      // The server's values, such as a trimmed base URL, replace the typed ones.
      setForm(formFromSettings(values));
    }
  }

  function setValue(name, value) {
    setForm({ ...form, [name]: value });
    if ($settings.get().saved) {
      $settings.set({ ...$settings.get(), saved: false });
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>Settings</h1>
      {settings.loadError && (
        <p role="alert" className="form-error">
          Could not load the settings. {settings.loadError}
        </p>
      )}
      {!form && !settings.loadError && <p>Loading settings…</p>}
      {form && (
        <form ref={formRef} className="settings-form" onSubmit={handleSubmit} noValidate>
          <SettingsFields form={form} errors={settings.fieldErrors} setValue={setValue} />
          {settings.saveError && (
            <p role="alert" className="form-error">
              {settings.saveError}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="primary" aria-busy={settings.saving}>
              Save settings
            </button>
            <p role="status" className="save-state">
              {settings.saved ? 'Settings saved' : ''}
            </p>
          </div>
        </form>
      )}
    </>
  );
}

function SettingsFields({ form, errors, setValue }) {
  const zoneListId = useId();
  const rawHtmlId = useId();

  return (
    <>
      <TextField
        label={settingLabels.title}
        value={form.title}
        onChange={(value) => setValue('title', value)}
        error={errors.title}
      />
      <TextField
        label={settingLabels.description}
        multiline
        rows={3}
        value={form.description}
        onChange={(value) => setValue('description', value)}
        error={errors.description}
      />
      <TextField
        label={settingLabels.base_url}
        inputMode="url"
        spellCheck={false}
        value={form.base_url}
        onChange={(value) => setValue('base_url', value)}
        error={errors.base_url}
        hint="The blog's public address, with its path, such as https://example.org/blog"
      />
      <TextField
        label={settingLabels.posts_per_page}
        type="number"
        min={1}
        max={100}
        value={form.posts_per_page}
        onChange={(value) => setValue('posts_per_page', value)}
        error={errors.posts_per_page}
      />
      <TextField
        label={settingLabels.timezone}
        list={zoneListId}
        spellCheck={false}
        value={form.timezone}
        onChange={(value) => setValue('timezone', value)}
        error={errors.timezone}
        hint="Dates on the blog are shown in it, such as Europe/Paris or UTC"
      />
      <datalist id={zoneListId}>
        {timeZones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <div className="field checkbox-field">
        <input
          id={rawHtmlId}
          type="checkbox"
          checked={form.allow_raw_html}
          onChange={(event) => setValue('allow_raw_html', event.target.checked)}
          aria-invalid={errors.allow_raw_html ? 'true' : undefined}
          aria-describedby={`${rawHtmlId}-hint${errors.allow_raw_html ? ` ${rawHtmlId}-error` : ''}`}
        />
        <label htmlFor={rawHtmlId}>{settingLabels.allow_raw_html}</label>
        <p id={`${rawHtmlId}-hint`} className="hint">
          Lets posts mix HTML into their markdown, such as tables or figures. Scripts, style attributes and event
          handlers are always removed, and iframes load only from the Iframe hosts below. A change applies to every
          post, those already saved included.
        </p>
        {errors.allow_raw_html && (
          <p id={`${rawHtmlId}-error`} className="field-error">
            {errors.allow_raw_html}
          </p>
        )}
      </div>
      <TextField
        label={settingLabels.iframe_hosts}
        multiline
        rows={3}
        spellCheck={false}
        value={form.iframe_hosts}
        onChange={(value) => setValue('iframe_hosts', value)}
        error={errors.iframe_hosts}
        hint="Hosts whose iframes posts may embed, one per line or separated by commas"
      />
    </>
  );
}
