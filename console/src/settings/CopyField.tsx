/** A read-only value (a secret shown once, a command) with a Copy button. */
import { useId } from "react";
import { CopyButton } from "../components/CopyButton";

export function CopyField({
  label,
  value,
  multiline = false,
  rows = 4,
}: {
  label: string;
  value: string;
  multiline?: boolean;
  /** Lines a multiline field shows (a config file is shown whole). */
  rows?: number;
}) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea id={id} readOnly value={value} rows={rows} onFocus={(e) => e.currentTarget.select()} />
      ) : (
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      )}
      <CopyButton text={value} label={`Copy ${label}`} />
    </div>
  );
}
