import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/errors";

/** Loads data with `load` (re-run when `deps` change), tracking loading and error state. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const v = await loadRef.current();
      // A slower, older request must not overwrite a newer answer.
      if (mine === generation.current) {
        setData(v);
        setError(null);
      }
    } catch (e) {
      if (mine === generation.current) setError(messageOf(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    // `deps` are the caller's; `reload` is stable and reads the latest `load` through a ref.
  }, deps);

  return { data, setData, error, loading, reload };
}
