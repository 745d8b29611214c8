/**
 * The process's one subscriber connection, shared by every follower and by `listen`: channels are
 * reference-counted (several followers of one reply share its live channel), and a connection that
 * drops is reported to every follower at once (they missed messages: they fail, and may resume).
 *
 * After a reconnect the bus subscribes again to the channels still wanted (the owner channels of
 * `listen`), rather than ioredis's `autoResubscribe`, which would also revive the live channels of
 * followers that ended while the connection was down.
 */
import type { Redis } from "ioredis";
import { hubUnavailable } from "../../domain/errors.js";
import { whenReady } from "./redis-connections.js";

export type MessageHandler = (message: string) => void;

export interface ChannelSubscriptions {
  /**
   * Subscribes `handler` to `channel` now; fails with `hub.unavailable` when the connection is not up.
   * `onDrop` is called if the connection drops while subscribed. Resolves to the unsubscribe function.
   */
  follow(channel: string, handler: MessageHandler, onDrop: () => void): Promise<() => void>;
  /** Subscribes `handler` to `channel` for good, waiting for the connection if it is not up yet. */
  listen(channel: string, handler: MessageHandler): Promise<void>;
}

interface Channel {
  handlers: Set<MessageHandler>;
  subscribed: Promise<unknown>;
}

export function createChannelSubscriptions(subscriber: Redis): ChannelSubscriptions {
  const channels = new Map<string, Channel>();
  const dropWatchers = new Set<() => void>();

  subscriber.on("message", (channel: string, message: string) => {
    for (const handler of channels.get(channel)?.handlers ?? []) handler(message);
  });
  subscriber.on("close", () => {
    for (const onDrop of [...dropWatchers]) onDrop();
  });
  subscriber.on("ready", () => {
    const wanted = [...channels.keys()];
    if (wanted.length > 0) subscriber.subscribe(...wanted).catch(() => undefined);
  });

  const add = (channel: string, handler: MessageHandler): Channel => {
    let entry = channels.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), subscribed: subscriber.subscribe(channel) };
      channels.set(channel, entry);
    }
    entry.handlers.add(handler);
    return entry;
  };
  const remove = (channel: string, handler: MessageHandler) => {
    const entry = channels.get(channel);
    if (!entry?.handlers.delete(handler) || entry.handlers.size > 0) return;
    channels.delete(channel);
    // Commands on one connection run in order: a later SUBSCRIBE of the same channel still wins.
    if (subscriber.status === "ready") subscriber.unsubscribe(channel).catch(() => undefined);
  };

  return {
    async follow(channel, handler, onDrop) {
      if (subscriber.status !== "ready") throw hubUnavailable("the live replies hub is unreachable");
      const entry = add(channel, handler);
      dropWatchers.add(onDrop);
      const unsubscribe = () => {
        dropWatchers.delete(onDrop);
        remove(channel, handler);
      };
      try {
        await entry.subscribed;
      } catch (cause) {
        unsubscribe();
        throw Object.assign(hubUnavailable("the live replies hub is unreachable"), { cause });
      }
      return unsubscribe;
    },
    async listen(channel, handler) {
      for (;;) {
        await whenReady(subscriber);
        const entry = add(channel, handler);
        try {
          await entry.subscribed;
          return;
        } catch {
          // The connection dropped while subscribing: the channel stays wanted, so the next `ready`
          // subscribes to it; wait for that and try again.
          entry.handlers.delete(handler);
          if (entry.handlers.size === 0 && channels.get(channel) === entry) channels.delete(channel);
          if (subscriber.status === "end") throw hubUnavailable("the live replies hub was closed");
        }
      }
    },
  };
}
