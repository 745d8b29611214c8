/** The input shapes the chat procedures share (ids, texts, models, request ids, resume positions). */
import "server-only";
import { z } from "zod";
import { maxInstructionsBytes } from "~/lib/instructions-types";
import { maxMessageBytes } from "~/lib/limits";

/** A chat, message or reply id as the service gives them. */
export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");
export const cursor = z.string().max(1024).nullish();
export const instructionsText = z.string().max(maxInstructionsBytes);
/** The SSE `lastEventId` a reconnecting browser sends back (`<reply id>:<offset>`). */
export const lastEventId = z.string().max(200).nullish();
/** A model id as ListModels gives them; the service says whether it is configured. */
export const modelId = z.string().trim().min(1).max(100);
export const messageText = z
  .string()
  .max(maxMessageBytes)
  .refine((text) => text.trim().length > 0, "Type a message first.");
/** The browser's id for one turn (a UUID): a retry with the same id is the same turn. */
export const requestId = z
  .string()
  .regex(/^[\x21-\x7e]{1,64}$/, "not a request id")
  .nullish();

/** Unary calls give up after this long; streams end with the browser's connection instead. */
export const unaryTimeoutMs = 15_000;
