import { redirect } from "next/navigation";

/** The front door: the chat (which sends signed-out visitors on to sign in). */
export default function Home(): never {
  redirect("/chat");
}
