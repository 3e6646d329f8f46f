/**
 * Pure helpers for a thread's messages: merging pages and stream frames by `seq` (a message
 * is immutable, so one seen twice is the same message), and who wrote it, in words.
 */
import type { Agent, ChatMessage, ChatThread } from "../api/types";

/** `list` with `incoming` added, ordered by `seq`, each seq once. Returns `list` if nothing is new. */
export function mergeMessages(list: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const known = new Set(list.map((m) => m.seq));
  const fresh = incoming.filter((m) => !known.has(m.seq) && (known.add(m.seq), true));
  if (fresh.length === 0) return list;
  return [...list, ...fresh].sort((a, b) => a.seq - b.seq);
}

/** The highest seq in `list` (0 when empty): where a stream resumes. */
export const lastSeqOf = (list: ChatMessage[]): number => list.reduce((max, m) => Math.max(max, m.seq), 0);

/** "You", the agent's name, "Autopilot", or another member's id. */
export function authorName(message: ChatMessage, me: string | undefined, agents: Agent[] | undefined): string {
  switch (message.author.kind) {
    case "autopilot":
      return "Autopilot";
    case "agent":
      return agentName(message.author.id, agents);
    default:
      return message.author.id === me ? "You" : message.author.id;
  }
}

/** An agent's name, or its id when the agent is not (or no longer) in the project. */
export const agentName = (id: string, agents: Agent[] | undefined): string => agents?.find((a) => a.id === id)?.name ?? id;

export const KIND_LABEL: Record<ChatThread["kind"], string> = { autopilot: "Autopilot", dm: "Direct", channel: "Channel" };

/** Latest activity first (the server's order; re-sorted so a local change lands right). */
export function byActivity(threads: ChatThread[]): ChatThread[] {
  const at = (t: ChatThread) => Date.parse(t.last_message_at ?? t.created_at) || 0;
  return [...threads].sort((a, b) => at(b) - at(a));
}
