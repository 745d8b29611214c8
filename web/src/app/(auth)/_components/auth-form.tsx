"use client";

import { AlertCircle, KeyRound } from "lucide-react";
import Link from "next/link";
import { useActionState, useState } from "react";
import { Spinner } from "~/components/spinner";
import { authClient } from "~/lib/auth-client";
import { signInAction, signUpAction } from "../auth-actions";

interface AuthFormProps {
  mode: "sign-in" | "sign-up";
  /** The OIDC provider's display name when single sign-on is configured. */
  oidcName: string | null;
  initialError: string | null;
}

const oidcProviderId = "oidc";

/** Only single sign-on is called from the browser; email and password go through the server actions. */
function describeOidcError(error: { status: number }): string {
  if (error.status === 429) return "Too many attempts. Please wait a few minutes and try again.";
  return "Single sign-on could not start. Please try again.";
}

export function AuthForm({ mode, oidcName, initialError }: AuthFormProps) {
  const signUp = mode === "sign-up";
  // A server action, so the form posts (never a GET with the password in the URL) and works before the
  // page's script has loaded, or without it; fields typed before hydration are kept (uncontrolled inputs).
  const [state, formAction, submitting] = useActionState(signUp ? signUpAction : signInAction, {
    error: initialError,
    email: "",
    name: "",
  });
  const [oidcError, setOidcError] = useState<string | null>(null);
  const [redirecting, setRedirecting] = useState(false);
  const pending = submitting || redirecting;
  const error = oidcError ?? state.error;

  async function signInWithOidc() {
    setRedirecting(true);
    setOidcError(null);
    const result = await authClient.signIn.social({
      provider: oidcProviderId,
      callbackURL: "/chat",
      errorCallbackURL: "/sign-in?error=oidc",
    });
    if (result.error) {
      setOidcError(describeOidcError(result.error));
      setRedirecting(false);
    }
  }

  return (
    <div className="rounded-2xl border border-line bg-raised p-7 shadow-xl shadow-black/5">
      <h1 className="text-xl font-semibold tracking-tight">
        {signUp ? "Create your account" : "Welcome back"}
      </h1>
      <p className="mt-1 text-sm text-muted">
        {signUp ? "Start chatting in a few seconds." : "Sign in to pick up your conversations."}
      </p>

      {error && (
        <div
          role="alert"
          className="mt-5 flex items-start gap-2 rounded-lg border border-danger/30 bg-danger-soft px-3 py-2.5 text-sm text-danger"
        >
          <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden />
          <span>{error}</span>
        </div>
      )}

      {oidcName && (
        <>
          <button
            type="button"
            onClick={signInWithOidc}
            disabled={pending}
            className="mt-6 flex w-full items-center justify-center gap-2 rounded-lg border border-line bg-raised px-4 py-2.5 text-sm font-medium shadow-sm hover:bg-panel disabled:opacity-60"
          >
            <KeyRound className="size-4" aria-hidden />
            Continue with {oidcName}
          </button>
          <div className="my-6 flex items-center gap-3 text-xs text-faint">
            <span className="h-px flex-1 bg-line" />
            or with email
            <span className="h-px flex-1 bg-line" />
          </div>
        </>
      )}

      <form action={formAction} className={oidcName ? "space-y-4" : "mt-6 space-y-4"}>
        {signUp && (
          <Field
            label="Name"
            name="name"
            type="text"
            autoComplete="name"
            placeholder="Ada Lovelace"
            defaultValue={state.name}
            required
          />
        )}
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          placeholder="you@example.com"
          defaultValue={state.email}
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={signUp ? "new-password" : "current-password"}
          placeholder={signUp ? "At least 8 characters" : "Your password"}
          minLength={signUp ? 8 : undefined}
          required
        />
        <button
          type="submit"
          disabled={pending}
          className="flex w-full items-center justify-center gap-2 rounded-lg bg-accent px-4 py-2.5 text-sm font-medium text-accent-fg shadow-sm transition hover:opacity-90 disabled:opacity-60"
        >
          {pending && <Spinner />}
          {signUp ? "Create account" : "Sign in"}
        </button>
      </form>

      <p className="mt-6 text-center text-sm text-muted">
        {signUp ? "Already have an account? " : "New to Parley? "}
        <Link href={signUp ? "/sign-in" : "/sign-up"} className="font-medium text-accent hover:underline">
          {signUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </div>
  );
}

function Field(props: {
  label: string;
  name: string;
  type: string;
  autoComplete: string;
  placeholder: string;
  required?: boolean;
  minLength?: number | undefined;
  defaultValue?: string;
}) {
  const { label, ...input } = props;
  return (
    <label className="block">
      <span className="mb-1.5 block text-sm font-medium">{label}</span>
      <input
        {...input}
        className="block w-full rounded-lg border border-line bg-canvas px-3 py-2.5 text-sm shadow-xs outline-none transition placeholder:text-faint focus:border-accent focus:ring-3 focus:ring-accent/20"
      />
    </label>
  );
}
