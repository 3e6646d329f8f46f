/**
 * The Autopilot's answer while it is being written: the fold of its stream's frames
 * (docs/contract.md §13). Tokens are appended in arrival order; each action is kept as sent.
 */
import type { AutopilotAction } from "../api/types";

export interface LiveAnswer {
  text: string;
  actions: AutopilotAction[];
  status: "streaming" | "done" | "failed";
  error?: string;
}

export const startingAnswer: LiveAnswer = { text: "", actions: [], status: "streaming" };

export type LiveFrame =
  | { kind: "restart" }
  | { kind: "token"; text: string }
  | { kind: "action"; action: AutopilotAction }
  | { kind: "done"; text: string }
  | { kind: "error"; message: string };

export function applyLiveFrame(state: LiveAnswer, frame: LiveFrame): LiveAnswer {
  switch (frame.kind) {
    case "restart":
      return startingAnswer;
    case "token":
      return { ...state, text: state.text + frame.text };
    case "action":
      return { ...state, actions: [...state.actions, frame.action] };
    case "done":
      // `done` carries the whole text: it wins over the tokens if a frame went missing.
      return { ...state, text: frame.text || state.text, status: "done" };
    case "error":
      return { ...state, status: "failed", error: frame.message };
  }
}
