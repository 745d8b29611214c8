"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { ChatPage } from "~/lib/chat-types";
import { errorMessage, trpcClient, useTRPC } from "~/trpc/client";
import { useLiveReplyStore } from "./live-replies";
import { isOver } from "./reduce-live-replies";

/**
 * Versions of a chat's messages: switching to another one (SetActiveBranch, then the new path read
 * again), and reading the path again when a regenerate or an edit from this tab has ended, so the new
 * version shows where it stands among its siblings (`2/2`).
 */
export function useVersions(options: {
  chatId: string | null;
  /** The live reply's key in the store (the chat's id, or "new"). */
  chatKey: string;
  /** The chat whose older pages the view's history query holds (null: none, a new chat's view). */
  historyChatId: string | null;
  /** Shows a path read again: its latest page; older pages then load from it. */
  show(page: ChatPage): void;
  onError(message: string): void;
}) {
  const { chatId, chatKey, historyChatId, show, onError } = options;
  const store = useLiveReplyStore();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [switching, setSwitching] = useState(false);
  // Reads overlap (a switch here and the branch event it raises, another tab's switch): only the latest
  // read asked for is shown, so an older one answering last cannot lay a stale path over a newer one.
  const latestRead = useRef(0);

  const reload = useCallback(async () => {
    if (chatId === null) return;
    const read = ++latestRead.current;
    const page = await trpcClient.chat.get.query({ chatId });
    if (read !== latestRead.current) return; // a later read, of a newer path, shows instead
    if (historyChatId !== null) {
      queryClient.setQueryData(trpc.chat.get.infiniteQueryKey({ chatId: historyChatId }), {
        pages: [page],
        pageParams: [null],
      });
    }
    // The page holds what this tab streamed now; an ended reply left in the store would be laid over
    // whatever path is shown, as a turn of its own.
    const live = store.get(chatKey);
    if (live && isOver(live)) store.forget(chatKey);
    show(page);
  }, [chatId, chatKey, historyChatId, queryClient, trpc, store, show]);

  useEffect(
    () =>
      store.onFinished((reply) => {
        if (reply.key !== chatKey || reply.replaces === null) return;
        reload().catch((error: unknown) =>
          onError(`Could not load the other versions of this message. ${errorMessage(error)}`),
        );
      }),
    [store, chatKey, reload, onError],
  );

  const switchTo = useCallback(
    async (messageId: string) => {
      if (chatId === null || switching) return;
      setSwitching(true);
      try {
        await trpcClient.chat.setActiveBranch.mutate({ chatId, messageId });
        await reload();
      } catch (error) {
        onError(`Could not show that version. ${errorMessage(error)}`);
      } finally {
        setSwitching(false);
      }
    },
    [chatId, switching, reload, onError],
  );

  return { switching, switchTo, reload };
}
