/**
 * Connect WhatsApp on `/connections` (docs/connections.md "WhatsApp"): a WhatsApp Business
 * connection from the ids and access token Meta's dashboard shows (manual credentials,
 * which every server accepts). The token is write-only: the form clears it once sent and
 * no answer repeats it. Meta's embedded signup dialog is not offered here yet.
 */
import { useState } from "react";
import { ErrorMessage } from "../components/ErrorMessage";
import { useAction } from "../components/useAction";
import { useSession } from "../session/SessionContext";

const EMPTY = { display_name: "", phone_number_id: "", waba_id: "", access_token: "" };
/** What the server accepts for Meta's ids: 1–64 letters or digits. */
const META_ID = "[A-Za-z0-9]{1,64}";

export function WhatsAppConnect({ onCreated }: { onCreated: () => Promise<unknown> }) {
  const { api } = useSession();
  const [f, setF] = useState(EMPTY);
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction();
  const field = (key: keyof typeof EMPTY, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} {...props} />
    </label>
  );
  return (
    <form
      className="stacked-form"
      aria-label="Connect WhatsApp"
      onSubmit={async (e) => {
        e.preventDefault();
        setCreated(null);
        const ok = await create.run(async () => {
          const c = await api.createWhatsAppConnection({
            ...(f.display_name.trim() ? { display_name: f.display_name.trim() } : {}),
            phone_number_id: f.phone_number_id.trim(),
            waba_id: f.waba_id.trim(),
            access_token: f.access_token.trim(),
          });
          setCreated(c.display_name);
        });
        // Once the server holds the token the page forgets it; a refusal keeps the fields to fix.
        if (ok) {
          setF(EMPTY);
          await onCreated();
        }
      }}
    >
      <h2>Connect WhatsApp</h2>
      <p className="muted">The ids and a permanent access token of your WhatsApp Business account, from Meta's dashboard.</p>
      {field("display_name", "Connection name (optional)", { placeholder: "WhatsApp Business", maxLength: 200 })}
      {field("phone_number_id", "Phone number ID", { required: true, pattern: META_ID, inputMode: "numeric" })}
      {field("waba_id", "WhatsApp Business account ID", { required: true, pattern: META_ID, inputMode: "numeric" })}
      {field("access_token", "Access token", { required: true, type: "password", autoComplete: "off", maxLength: 4096 })}
      <button type="submit">Connect WhatsApp</button>
      <ErrorMessage error={create.error} />
      {created && (
        <p className="notice" role="status">
          Connection {created} created. The token is stored encrypted and will not be shown again.
        </p>
      )}
    </form>
  );
}
