/**
 * A CodeMirror 6 editor for JSON, Lua and templated text. This module is only reached through
 * {@link ../editors/LazyCodeEditor}, so CodeMirror is a separate chunk loaded on first use.
 */
import { autocompletion } from "@codemirror/autocomplete";
import { json } from "@codemirror/lang-json";
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { EditorState, type Extension } from "@codemirror/state";
import { tags } from "@lezer/highlight";
import { basicSetup, EditorView, minimalSetup } from "codemirror";
import { useEffect, useRef } from "react";
import type { TemplateSuggestion } from "../graph/templates";
import { templateCompletionSource } from "./templateCompletion";

/**
 * The editor in the console's colours: chrome and syntax colours are the stylesheet's
 * custom properties (`--code-*`), so one editor theme serves the light and the dark theme
 * (CodeMirror's default highlight colours are too dark on a dark panel).
 */
const consoleTheme = EditorView.theme({
  "&": { color: "var(--ink)", backgroundColor: "var(--panel)" },
  ".cm-content": { caretColor: "var(--ink)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--ink)" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": { backgroundColor: "var(--code-selection)" },
  ".cm-gutters": { backgroundColor: "var(--panel-2)", color: "var(--muted)", borderRight: "1px solid var(--line)" },
  ".cm-activeLine": { backgroundColor: "var(--code-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active-line)" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--ink)", border: "1px solid var(--line)" },
  ".cm-tooltip-autocomplete ul li[aria-selected]": { backgroundColor: "var(--accent-bg)", color: "var(--on-accent)" },
});
const consoleHighlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [tags.keyword, tags.operatorKeyword, tags.controlKeyword], color: "var(--code-keyword)" },
    { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
    { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--code-number)" },
    { tag: [tags.propertyName, tags.definition(tags.variableName)], color: "var(--code-property)" },
    { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "var(--muted)", fontStyle: "italic" },
    { tag: tags.invalid, color: "var(--danger)" },
  ]),
);

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  language: "json" | "lua" | "text";
  /** Accessible name of the editing area. */
  ariaLabel: string;
  /** `code`: line numbers and a taller box; `field`: a compact templated text field. */
  variant?: "code" | "field";
  /** Template path suggestions after `{{`. */
  suggest?: (typed: string) => TemplateSuggestion[];
  readOnly?: boolean;
  /** id of an element describing the field (e.g. its error). */
  describedBy?: string;
}

export default function CodeEditor({ value, onChange, language, ariaLabel, variant = "code", suggest, readOnly, describedBy }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Callbacks change every render; the editor reads the latest through refs.
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const suggestRef = useRef(suggest);
  suggestRef.current = suggest;

  useEffect(() => {
    if (!host.current) return;
    const extensions: Extension[] = [
      variant === "code" ? basicSetup : minimalSetup,
      consoleTheme,
      consoleHighlight,
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({
        "aria-label": ariaLabel,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
      }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChangeRef.current(u.state.doc.toString());
      }),
      EditorState.readOnly.of(Boolean(readOnly)),
      EditorView.editable.of(!readOnly),
    ];
    if (language === "json") extensions.push(json());
    if (language === "lua") extensions.push(StreamLanguage.define(lua));
    // Lua scripts are run as given (no `{{ }}` expansion), so they get no template completion.
    if (language !== "lua") {
      extensions.push(autocompletion({ override: [templateCompletionSource((typed) => suggestRef.current?.(typed) ?? [])] }));
    }
    const v = new EditorView({ parent: host.current, state: EditorState.create({ doc: value, extensions }) });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // Recreated only when the kind of editor changes; the value is synced by the effect below.
  }, [language, variant, readOnly, ariaLabel, describedBy]);

  // Replace the document when the value changes from outside (e.g. another step selected).
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} className={`code-editor code-editor-${variant}`} />;
}
