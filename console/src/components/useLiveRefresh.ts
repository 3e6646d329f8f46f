import { useEffect, useRef } from "react";

/**
 * Calls `refresh` every `intervalMs` while the tab is visible, and at once when it becomes
 * visible again. A hidden tab sends nothing (no point polling a page nobody looks at), and
 * a tick is skipped while the previous refresh is still running, so a slow server does not
 * pile up requests.
 */
export function useLiveRefresh(refresh: () => Promise<unknown>, intervalMs: number) {
  // The latest `refresh` is read through a ref so the timer is not restarted on each render.
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    let inFlight = false;
    const tick = () => {
      if (document.hidden || inFlight) return;
      inFlight = true;
      void refreshRef.current().finally(() => {
        inFlight = false;
      });
    };
    const timer = setInterval(tick, intervalMs);
    const onVisibilityChange = () => {
      if (!document.hidden) tick();
    };
    document.addEventListener("visibilitychange", onVisibilityChange);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibilityChange);
    };
  }, [intervalMs]);
}
