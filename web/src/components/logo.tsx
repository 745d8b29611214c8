import { MessageCircle } from "lucide-react";

/** Parley's mark: a speech bubble in the accent colour, with the name beside it. */
export function Logo({ size = "md" }: { size?: "md" | "lg" }) {
  const box = size === "lg" ? "size-10 rounded-xl" : "size-8 rounded-lg";
  const icon = size === "lg" ? "size-5" : "size-4";
  const text = size === "lg" ? "text-2xl" : "text-lg";
  return (
    <span className="inline-flex items-center gap-2.5">
      <span
        className={`${box} grid place-items-center bg-gradient-to-br from-indigo-500 to-violet-600 text-white shadow-sm`}
      >
        <MessageCircle className={icon} strokeWidth={2.5} aria-hidden />
      </span>
      <span className={`${text} font-semibold tracking-tight`}>Parley</span>
    </span>
  );
}
