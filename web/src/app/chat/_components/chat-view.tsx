"use client";

import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { ArrowDown } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Spinner } from "~/components/spinner";
import type { ChatMessage, ChatPage, ContextStats } from "~/lib/chat-types";
import type { ModelOption } from "~/lib/model-types";
import type { ChatInstructions } from "~/lib/instructions-types";
import { errorMessage, useTRPC } from "~/trpc/client";
import { AnswerAnnouncer } from "./answer-announcer";
import { Composer } from "./composer";
import { ContextGauge } from "./context-gauge";
import { EmptyState } from "./empty-state";
import { ExportChatMenu } from "./export-chat-menu";
import { ErrorBanner } from "./error-banner";
import { InstructionsControl } from "./instructions-control";
import { LimitBanner } from "./limit-banner";
import { useLiveReply, useLiveReplyStore } from "./live-replies";
import { newChatKey, type LiveReply } from "./reduce-live-replies";
import {
  isAnswering,
  isRegenerate,
  mergeMessages,
  messageKey,
  pendingReplyId,
  pendingUserId,
  type ViewMessage,
} from "./merge-messages";
import { MessageItem } from "./message-item";
import { ModelPicker, useModels } from "./model-picker";
import { useScrollToMessage } from "./use-scroll-to-message";
import { SidebarToggle } from "./sidebar-toggle";
import { useChatList } from "./use-chat-list";
import { useStickToBottom } from "./use-stick-to-bottom";
import { useWatchChat } from "./use-watch-chat";
import { useVersions } from "./use-versions";

/** A chat: header with title and context gauge, the messages, and the composer. */
export function ChatView({ initial }: { initial: ChatPage | null }) {
  const router = useRouter();
  const store = useLiveReplyStore();
  // A new chat is keyed "new" until the service names it; then this view follows it to its URL.
  const [chatKey, setChatKey] = useState(initial?.chat.id ?? newChatKey);
  const chatId = chatKey === newChatKey ? null : chatKey;
  // The latest page (rendered on the server) and the turns sent from this tab since.
  const [messages, setMessages] = useState<ChatMessage[]>(initial?.messages ?? []);
  const history = useChatHistory(initial);
  const olderMessages = useMemo(
    () => (history.data?.pages.slice(1).reverse() ?? []).flatMap((page) => page.messages),
    [history.data],
  );
  const [pageError, setPageError] = useState<string | null>(null);
  // The chat's own instructions (null: the default); for a new chat, those its first message will carry.
  const [instructions, setInstructions] = useState<ChatInstructions>(initial?.instructions ?? null);
  const [instructionsOpen, setInstructionsOpen] = useState(false);
  const live = useLiveReply(chatKey);
  const view = useMemo(
    () => mergeMessages([...olderMessages, ...messages], live),
    [olderMessages, messages, live],
  );
  const answering = isAnswering(live);
  // While answering (and after, in this tab) the live numbers of `started`; after a reload, or on
  // another device, what the service reported with the page.
  const picked = useChatModel(chatId, initial?.chat.model ?? null, setPageError);
  const versions = useVersions({
    chatId,
    chatKey,
    historyChatId: initial?.chat.id ?? null,
    show: useCallback((page: ChatPage) => setMessages(page.messages), []),
    onError: setPageError,
  });
  // Another tab's answer typing, renames, model changes and deletion, live.
  const watched = useWatchChat({
    chatId,
    messages,
    setMessages,
    renderedUpdatedAt: initial?.chat.updatedAt ?? null,
    onModel: picked.follow,
    onPathChanged: () => {
      versions
        .reload()
        .catch((error: unknown) => setPageError(`Could not load the chat again. ${errorMessage(error)}`));
    },
  });
  const context = withWindowOf(live?.context ?? initial?.context ?? null, picked.entry);
  const list = useChatList();
  const title =
    watched?.title ??
    list.data?.pages.flatMap((page) => page.chats).find((chat) => chat.id === chatId)?.title ??
    initial?.chat.title ??
    "New chat";
  const { scrollRef, onScroll, atBottom, scrollToBottom } = useStickToBottom(
    `${view.length}:${view.at(-1)?.content.length ?? 0}`,
  );
  useScrollToMessage(view.length);

  // A new chat got its id: move to its address (the live reply carries on in the store).
  useEffect(() => {
    if (chatKey !== newChatKey) return;
    return store.onStarted((startedChatId) => {
      setChatKey(startedChatId);
      router.replace(`/chat/${startedChatId}`, { scroll: false });
    });
  }, [chatKey, store, router]);

  // Opened (or reloaded) while the last answer is still being written: pick it up where the page is.
  useEffect(() => {
    const last = initial?.messages.at(-1);
    if (!initial || last?.role !== "assistant" || last.status !== "streaming") return;
    store.watch(initial.chat.id, last.id, last.content);
  }, [initial, store]);

  /** Starts a turn (a message, a regenerated answer, an edit) unless the chat is answering. */
  const startTurn = useCallback(
    (start: () => void) => {
      if (isAnswering(store.get(chatKey))) return;
      // The finished turn shown from the store becomes part of the page before the next one starts.
      setMessages(
        mergeMessages(messages, store.get(chatKey)).filter(
          (message) => message.id !== pendingUserId && message.id !== pendingReplyId,
        ),
      );
      setPageError(null);
      scrollToBottom("auto");
      start();
    },
    [chatKey, messages, store, scrollToBottom],
  );

  const send = useCallback(
    (text: string) =>
      startTurn(() =>
        // A new chat is created with the picked model and its instructions; an existing one has them.
        store.send(chatId, text, chatId === null ? { model: picked.model ?? undefined, instructions } : {}),
      ),
    [startTurn, chatId, store, picked.model, instructions],
  );

  const regenerate = (message: ViewMessage) => {
    if (chatId) startTurn(() => store.regenerate(chatId, message.id));
  };
  const edit = (message: ViewMessage, text: string) => {
    if (chatId) startTurn(() => store.edit(chatId, message.id, text));
  };

  async function loadOlder() {
    const result = await history.fetchNextPage();
    setPageError(result.isError ? `Could not load earlier messages. ${errorMessage(result.error)}` : null);
  }

  return (
    <div className="flex h-full min-h-0 flex-col">
      <header className="relative z-20 flex h-14 shrink-0 items-center gap-2 border-b border-line bg-canvas/80 px-3 backdrop-blur sm:px-5">
        <SidebarToggle />
        <h1 className="min-w-0 flex-1 truncate text-[15px] font-semibold" data-testid="chat-title">
          {title}
        </h1>
        {view.length > 0 && (
          <ModelPicker value={picked.model} onChange={picked.change} disabled={answering || picked.saving} />
        )}
        <InstructionsControl
          chatId={chatId}
          value={instructions}
          onChange={setInstructions}
          open={instructionsOpen}
          onOpenChange={setInstructionsOpen}
        />
        <ContextGauge stats={context} />
        {chatId && <ExportChatMenu chatId={chatId} />}
      </header>
      <AnswerAnnouncer last={view.at(-1)} messagesRef={scrollRef} />

      <div className="relative min-h-0 flex-1">
        <div ref={scrollRef} onScroll={onScroll} className="h-full overflow-y-auto" data-testid="messages">
          {view.length === 0 ? (
            <div className="flex min-h-full">
              <EmptyState
                onPick={send}
                disabled={answering}
                picker={
                  <ModelPicker
                    value={picked.model}
                    onChange={picked.change}
                    disabled={answering || picked.saving}
                  />
                }
                customInstructions={instructions !== null}
                onInstructions={() => setInstructionsOpen(true)}
              />
            </div>
          ) : (
            <div className="mx-auto flex w-full max-w-3xl flex-col gap-7 px-4 pt-6 pb-10 sm:px-6">
              {history.hasNextPage && (
                <button
                  type="button"
                  onClick={loadOlder}
                  disabled={history.isFetchingNextPage}
                  className="mx-auto inline-flex items-center gap-2 rounded-full border border-line px-3 py-1.5 text-xs text-muted hover:bg-panel"
                >
                  {history.isFetchingNextPage && <Spinner className="size-3" />}
                  Load earlier messages
                </button>
              )}
              {view.map((message) => (
                <MessageItem
                  key={messageKey(message)}
                  message={message}
                  busy={answering || versions.switching}
                  onRegenerate={regenerate}
                  onEdit={edit}
                  onSwitch={(messageId) => void versions.switchTo(messageId)}
                />
              ))}
            </div>
          )}
        </div>
        {!atBottom && (
          <button
            type="button"
            onClick={() => scrollToBottom()}
            className="absolute bottom-4 left-1/2 grid size-9 -translate-x-1/2 place-items-center rounded-full border border-line bg-raised text-muted shadow-lg hover:text-fg"
            aria-label="Jump to the latest message"
          >
            <ArrowDown className="size-4" aria-hidden />
          </button>
        )}
      </div>

      <div className="shrink-0 px-3 pt-2 pb-3 sm:px-6 sm:pb-5">
        <div className="mx-auto w-full max-w-3xl space-y-3">
          {live?.phase === "failed" && live.error && (
            <ErrorBanner
              message={live.failedBeforeStart ? `${unsentSentence(live)} ${live.error}` : live.error}
              actionLabel={
                live.failedBeforeStart ? (isRegenerate(live) ? "Try again" : "Send again") : "Resume"
              }
              onRetry={() => store.retry(live.key)}
            />
          )}
          {live?.phase !== "failed" && live?.error && <ErrorBanner message={live.error} />}
          {live?.limit && (
            <LimitBanner
              limit={live.limit}
              onRetry={() => store.retry(live.key)}
              onDismiss={() => store.forget(live.key)}
            />
          )}
          {pageError && <ErrorBanner message={pageError} onDismiss={() => setPageError(null)} />}
          <Composer
            answering={answering}
            canStop={!!live?.replyId}
            stopping={live?.phase === "stopping"}
            onSend={send}
            onStop={() => void store.stop(chatKey)}
          />
          <p className="hidden text-center text-xs text-faint sm:block">
            Enter to send · Shift+Enter for a new line · Answers can be wrong; check what matters.
          </p>
        </div>
      </div>
    </div>
  );
}

/**
 * A chat's messages a page at a time, newest page first (the one the server rendered), older pages
 * fetched on demand through the query cache. Each visit starts from the page the server rendered: older
 * pages only follow on from it, so they are neither kept after the view goes (`gcTime: 0`) nor refetched
 * under it (the live reply and this tab's turns are laid over the loaded pages).
 */
function useChatHistory(initial: ChatPage | null) {
  const trpc = useTRPC();
  return useInfiniteQuery(
    trpc.chat.get.infiniteQueryOptions(
      { chatId: initial?.chat.id ?? "" },
      {
        enabled: initial !== null,
        initialCursor: null,
        getNextPageParam: (page) => page.olderCursor,
        ...(initial ? { initialData: { pages: [initial], pageParams: [null] } } : {}),
        staleTime: Infinity,
        gcTime: 0,
        refetchOnWindowFocus: false,
        retry: false,
      },
    ),
  );
}

/**
 * The chat's model as picked here: a new chat keeps it until its first message creates the chat with
 * it; an existing chat's pick is saved at once (SetChatModel) and applies from its next message.
 */
function useChatModel(chatId: string | null, initial: string | null, onError: (message: string) => void) {
  const trpc = useTRPC();
  const models = useModels();
  const [model, setModel] = useState<string | null>(initial);
  const save = useMutation(trpc.chat.setModel.mutationOptions());
  // The chat's model as the service tells it (changed elsewhere) is followed; but after a change made
  // here, what it told before (older, perhaps arriving after the save's answer) is not, until it tells this.
  const saved = useRef<string | null>(null);
  const change = (next: string) => {
    const before = model;
    setModel(next);
    if (chatId === null) return;
    saved.current = next;
    save.mutate(
      { chatId, model: next },
      {
        onError: (error) => {
          saved.current = null;
          setModel(before);
          onError(`Could not change the model. ${errorMessage(error)}`);
        },
      },
    );
  };
  const follow = (next: string) => {
    if (saved.current !== null) {
      if (next === saved.current) saved.current = null;
    } else if (next) setModel(next);
  };
  const id = model ?? models.data?.defaultModel;
  const entry = models.data?.models.find((option) => option.id === id) ?? null;
  return { model, change, follow, saving: save.isPending, entry };
}

/** The gauge follows the picked model's window (the tokens are the last prompt's until the next one). */
function withWindowOf(stats: ContextStats | null, model: ModelOption | null): ContextStats | null {
  if (!stats || !model) return stats;
  return { ...stats, contextWindow: model.contextWindow, maxOutputTokens: model.maxOutputTokens };
}

/** What did not happen when a turn failed before it started. */
function unsentSentence(live: LiveReply): string {
  return isRegenerate(live) ? "No new answer was written." : "Your message was not sent.";
}
