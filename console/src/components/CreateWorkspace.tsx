/** Shown to a user who belongs to no workspace yet: create one (with its Default project). */
import { useState } from "react";
import { messageOf } from "../api/errors";
import { useSession } from "../session/SessionContext";
import { ErrorMessage } from "./ErrorMessage";

export function CreateWorkspace() {
  const { api, refresh } = useSession();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const derivedSlug = slug || name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

  return (
    <section className="page narrow">
      <h1>Create your workspace</h1>
      <p>A workspace holds your projects, workflows and members. It gets a project named Default.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            await api.createWorkspace(derivedSlug, name);
            await refresh();
          } catch (err) {
            setError(messageOf(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Slug (used in URLs and the X-Tenant-Id header)
          <input value={derivedSlug} onChange={(e) => setSlug(e.target.value)} pattern="[a-z0-9-]+" required />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          Create workspace
        </button>
      </form>
    </section>
  );
}
