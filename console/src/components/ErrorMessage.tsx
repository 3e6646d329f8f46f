/** An error shown next to the control the user acted on; announced to screen readers. */
export function ErrorMessage({ error, id }: { error: string | null | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {error}
    </p>
  );
}
