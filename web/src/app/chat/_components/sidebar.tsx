"use client";

import { useQueryClient } from "@tanstack/react-query";
import { ArrowDownUp, ChartColumn, KeyRound, LogOut, SquarePen, X } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Logo } from "~/components/logo";
import { Spinner } from "~/components/spinner";
import type { ChatSummary } from "~/lib/chat-types";
import { authClient } from "~/lib/auth-client";
import { errorMessage } from "~/trpc/client";
import { ChatListItem } from "./chat-list-item";
import { ErrorBanner } from "./error-banner";
import { useLiveReplyStore } from "./live-replies";
import { LoadMoreButton } from "./load-more-button";
import { newChatKey } from "./reduce-live-replies";
import { SearchBox } from "./search-box";
import { SearchResults } from "./search-results";
import { useChatList, type ChatListPage } from "./use-chat-list";

export interface SidebarUser {
  name: string;
  email: string;
}

const dayMs = 24 * 60 * 60 * 1000;

/** Chats grouped the way people think of them: today, yesterday, this week, earlier. */
function groupByAge(chats: ChatSummary[], now: number): { label: string; chats: ChatSummary[] }[] {
  const startOfToday = new Date(now).setHours(0, 0, 0, 0);
  const groups = [
    { label: "Today", from: startOfToday, chats: [] as ChatSummary[] },
    { label: "Yesterday", from: startOfToday - dayMs, chats: [] as ChatSummary[] },
    { label: "Previous 7 days", from: startOfToday - 7 * dayMs, chats: [] as ChatSummary[] },
    { label: "Older", from: -Infinity, chats: [] as ChatSummary[] },
  ];
  for (const chat of chats) {
    const time = Date.parse(chat.updatedAt);
    groups.find((group) => time >= group.from)!.chats.push(chat);
  }
  return groups.filter((group) => group.chats.length > 0);
}

export function Sidebar(props: {
  user: SidebarUser;
  initialChats: ChatListPage | null;
  open: boolean;
  onClose(): void;
}) {
  const list = useChatList(props.initialChats);
  const pathname = usePathname();
  const router = useRouter();
  const queryClient = useQueryClient();
  const store = useLiveReplyStore();
  const [signingOut, setSigningOut] = useState(false);
  const [now] = useState(() => Date.now());
  // A search in progress shows its results in place of the chat list.
  const [query, setQuery] = useState("");
  const closeButton = useRef<HTMLButtonElement>(null);

  // Opened as a drawer: focus moves into it.
  useEffect(() => {
    if (props.open) closeButton.current?.focus();
  }, [props.open]);
  const activeId = pathname.startsWith("/chat/") ? decodeURIComponent(pathname.slice("/chat/".length)) : null;
  const chats = list.data?.pages.flatMap((page) => page.chats) ?? [];

  async function signOut() {
    setSigningOut(true);
    store.closeAll();
    await authClient.signOut();
    queryClient.clear();
    router.replace("/sign-in");
    router.refresh();
  }

  function startNewChat() {
    const pending = store.get(newChatKey);
    if (pending && (pending.phase === "done" || pending.phase === "failed")) store.forget(newChatKey);
  }

  // Closed on a phone, the drawer is also invisible, so Tab cannot wander into it off screen (visibility
  // flips at the end of the slide).
  return (
    <aside
      aria-label="Chats"
      className={`fixed inset-y-0 left-0 z-40 flex w-72 flex-col border-r border-line bg-panel transition-[translate,visibility] duration-200 md:visible md:static md:z-auto md:translate-x-0 ${
        props.open ? "visible translate-x-0 shadow-2xl" : "invisible -translate-x-full"
      }`}
    >
      <div className="flex h-14 items-center justify-between px-4">
        <Link href="/chat" onClick={startNewChat} aria-label="Parley home">
          <Logo />
        </Link>
        <button
          ref={closeButton}
          type="button"
          onClick={props.onClose}
          className="grid size-9 place-items-center rounded-lg text-muted hover:bg-line/60 md:hidden"
          aria-label="Close the chat list"
        >
          <X className="size-5" aria-hidden />
        </button>
      </div>

      <div className="px-3 pb-2">
        <Link
          href="/chat"
          onClick={startNewChat}
          className="flex items-center gap-2 rounded-lg border border-line bg-raised px-3 py-2 text-sm font-medium shadow-xs transition hover:border-accent/40 hover:text-accent"
        >
          <SquarePen className="size-4" aria-hidden />
          New chat
        </Link>
        <div className="mt-2">
          <SearchBox onQuery={setQuery} />
        </div>
      </div>

      <nav className="min-h-0 flex-1 overflow-y-auto px-2 pb-4" aria-label="Your chats">
        {query !== "" && <SearchResults query={query} onOpen={props.onClose} />}
        {query === "" && list.isError && (
          <div className="px-1 pt-2">
            <ErrorBanner
              message={`Could not load your chats. ${errorMessage(list.error)}`}
              onRetry={() => void list.refetch()}
              stacked
            />
          </div>
        )}
        {query === "" && list.isPending && !list.isError && (
          <div className="flex justify-center py-6 text-faint">
            <Spinner />
          </div>
        )}
        {query === "" && list.isSuccess && chats.length === 0 && (
          <p className="px-3 py-6 text-center text-sm text-faint">No chats yet. Say hello!</p>
        )}
        {(query === "" ? groupByAge(chats, now) : []).map((group) => (
          <section key={group.label} className="mt-3">
            <h2 className="px-3 pb-1 text-xs font-medium text-faint">{group.label}</h2>
            <ul className="space-y-0.5" data-testid="chat-list">
              {group.chats.map((chat) => (
                <ChatListItem key={chat.id} chat={chat} active={chat.id === activeId} />
              ))}
            </ul>
          </section>
        ))}
        {query === "" && list.hasNextPage && (
          <LoadMoreButton loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            Show older chats
          </LoadMoreButton>
        )}
      </nav>

      <div className="flex items-center gap-3 border-t border-line px-4 py-3">
        <span className="grid size-8 shrink-0 place-items-center rounded-full bg-accent-soft text-sm font-semibold text-accent">
          {(props.user.name || props.user.email).charAt(0).toUpperCase()}
        </span>
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium">{props.user.name || props.user.email}</p>
          <p className="truncate text-xs text-faint" data-testid="user-email">
            {props.user.email}
          </p>
        </div>
        {footerLinks.map(({ href, label, Icon }) => (
          <Link key={href} href={href} className={footerButton} aria-label={label} title={label}>
            <Icon className="size-4" aria-hidden />
          </Link>
        ))}
        <button
          type="button"
          onClick={signOut}
          disabled={signingOut}
          className={footerButton}
          aria-label="Sign out"
          title="Sign out"
        >
          {signingOut ? <Spinner /> : <LogOut className="size-4" aria-hidden />}
        </button>
      </div>
    </aside>
  );
}

const footerButton = "grid size-9 place-items-center rounded-lg text-muted hover:bg-line/60 hover:text-fg";

/** The pages the sidebar's footer links to, as icons with their names for screen readers. */
const footerLinks = [
  { href: "/transfer", label: "Export and import", Icon: ArrowDownUp },
  { href: "/keys", label: "API keys", Icon: KeyRound },
  { href: "/usage", label: "Usage", Icon: ChartColumn },
];
