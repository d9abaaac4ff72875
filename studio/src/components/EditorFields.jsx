import { useStore } from '@nanostores/react';
import { $fieldErrors, $fields } from '../stores/editor-state.js';
import { editField } from '../stores/editor.js';
import { TextField } from './TextField.jsx';

/** Title, slug, tags and description of the open post. */
export function EditorFields() {
  const fields = useStore($fields);
  const errors = useStore($fieldErrors);

  return (
    <div className="post-fields">
      <TextField
        label="Title"
        className="title-field"
        value={fields.title}
        onChange={(value) => editField('title', value)}
        error={errors.title}
      />
      <TextField
        label="Slug"
        value={fields.slug}
        onChange={(value) => editField('slug', value)}
        error={errors.slug}
        hint="Part of the post's URL. Left empty, it is made from the title."
        spellCheck={false}
        autoCapitalize="off"
      />
      <TextField
        label="Tags"
        value={fields.tags}
        onChange={(value) => editField('tags', value)}
        error={errors.tags}
        hint="Separated by commas, such as: apache, sqlite"
      />
      <TextField
        label="Description"
        className="description-field"
        value={fields.description}
        onChange={(value) => editField('description', value)}
        error={errors.description}
      />
    </div>
  );
}
