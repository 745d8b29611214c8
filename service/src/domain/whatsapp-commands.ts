/**
 * What a WhatsApp message asks for, and what Parley says back when the answer is not the model's. A
 * command is a whole message: `/new`, `/retry`, `/help` or `/stop`, in any case. Only `/new` takes text after it
 * (`/new What is gRPC?` starts a new conversation with that question); anything else that merely starts
 * with a slash (`/etc/hosts?`) is an ordinary message.
 */

/** The commands, with the one-line description `/help` shows. */
export const whatsAppCommands = {
  new: "start a new conversation (add text to ask right away: /new What is gRPC?)",
  retry: "write my last answer again (the old one is kept in the web app)",
  stop: "stop the answer I am writing",
  help: "show this message",
} as const;

export type WhatsAppCommand = keyof typeof whatsAppCommands;

export type WhatsAppRequest =
  /** Text for the model, in the sender's current conversation. */
  | { kind: "chat"; text: string }
  /** `/new`, and the first message of the new conversation when text follows it. */
  | { kind: "new"; text: string }
  | { kind: "help" }
  | { kind: "stop" }
  /** `/retry`: answer the last message again (RegenerateReply on the sender's current chat). */
  | { kind: "retry" }
  /** `/something` alone that is not a command: most likely a typo, so it gets the help, not the model. */
  | { kind: "unknown-command"; name: string }
  /** No text: a picture, voice note, location or sticker. */
  | { kind: "no-text" };

const commandPattern = /^\/([a-z]+)(?:\s+([\s\S]*))?$/i;

/** Reads an inbound message's body. */
export function readWhatsAppRequest(body: string): WhatsAppRequest {
  const text = body.trim();
  if (text.length === 0) return { kind: "no-text" };
  const match = commandPattern.exec(text);
  if (!match) return { kind: "chat", text };
  const name = match[1]!.toLowerCase();
  const rest = match[2] ?? "";
  if (name === "new") return { kind: "new", text: rest };
  if (name === "help" || name === "stop" || name === "retry") return { kind: name };
  return rest ? { kind: "chat", text } : { kind: "unknown-command", name };
}

const helpText = [
  "I'm Parley, an AI assistant. Write to me and I'll answer; I remember our conversation.",
  "",
  ...Object.entries(whatsAppCommands).map(([name, description]) => `/${name} – ${description}`),
].join("\n");

/** The fixed texts Parley sends on WhatsApp. Short, because each costs the user a message. */
export const whatsAppTexts = {
  help: helpText,
  unknownCommand: (name: string) => `I don't know the command /${name}.\n\n${helpText}`,
  newChat: "Started a new conversation. What would you like to talk about?",
  busy: "I'm still working on your last message. Please send this one again once that answer has arrived (or send /stop).",
  noText: "Sorry, I can only read text messages. Please type your question.",
  attachmentIgnored: "(I can only read text, so I answered without looking at the attachment.)",
  nothingToStop: "There is no answer in progress to stop.",
  nothingToRetry: "There is no answer to write again yet. Send me a message first.",
  stopped: "(stopped)",
  cutOff: "(the answer was cut off)",
  tooLong: "Sorry, that message is too long for me. Please send a shorter one.",
  restarted: "Sorry, I was restarted while answering. Please send your message again.",
  failed: "Sorry, I couldn't answer that just now. Please try again in a moment.",
} as const;
