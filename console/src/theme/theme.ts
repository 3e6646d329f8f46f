/**
 * The colour theme: the user's preference (system, light or dark, remembered in
 * localStorage) resolved to light or dark and written to `<html data-theme>`, which the
 * stylesheet's custom properties key on. It is applied before the first render (main.tsx)
 * so nothing flashes, and follows the system setting while the preference is "system".
 */
import { useSyncExternalStore } from "react";

export type ThemePreference = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const STORAGE_KEY = "agentruntime.theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

const listeners = new Set<() => void>();
let preference: ThemePreference = readPreference();

function readPreference(): ThemePreference {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

const systemDark = (): boolean => typeof window.matchMedia === "function" && window.matchMedia(DARK_QUERY).matches;

/** The theme a preference comes to on this machine now. */
export function resolveTheme(pref: ThemePreference, prefersDark: boolean): Theme {
  if (pref === "system") return prefersDark ? "dark" : "light";
  return pref;
}

function apply(): void {
  const theme = resolveTheme(preference, systemDark());
  document.documentElement.dataset.theme = theme;
  for (const l of listeners) l();
}

/** Applies the remembered preference and starts following the system setting. */
export function initTheme(): void {
  apply();
  if (typeof window.matchMedia === "function") {
    window.matchMedia(DARK_QUERY).addEventListener("change", () => {
      if (preference === "system") apply();
    });
  }
}

export function setThemePreference(next: ThemePreference): void {
  preference = next;
  try {
    if (next === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
  apply();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The preference, for the picker. */
export const useThemePreference = (): ThemePreference => useSyncExternalStore(subscribe, () => preference);

/** The theme in effect, for what cannot read CSS custom properties (canvas colours, React Flow). */
export const useTheme = (): Theme =>
  useSyncExternalStore(subscribe, () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light"));
