import { useCallback, useState } from "react";
import { messageOf } from "../api/errors";

/**
 * Runs what a user asked for (submit a form, press a button) and keeps the API's refusal,
 * to be shown next to the control they used. `run` resolves to whether it succeeded.
 */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    }
  }, []);
  return { error, run };
}

/**
 * The same for the rows of a list: a refusal is shown on the row acted on (`errorOf(id)`),
 * and `afterSuccess` (typically the list's reload) runs when the action went through.
 */
export function useRowAction(afterSuccess: () => Promise<unknown>) {
  const [failed, setFailed] = useState<{ id: string; message: string } | null>(null);
  const act = useCallback(
    async (id: string, action: () => Promise<unknown>) => {
      try {
        await action();
        setFailed(null);
        await afterSuccess();
      } catch (e) {
        setFailed({ id, message: messageOf(e) });
      }
    },
    [afterSuccess],
  );
  const errorOf = (id: string) => (failed?.id === id ? failed.message : null);
  return { act, errorOf };
}
