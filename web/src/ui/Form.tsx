import type { FormEvent, ReactNode } from "react";
import { Alert } from "./Status";

/** A form whose submit runs an action; the action's error is announced above the fields. */
export function Form({ onSubmit, error, children, label }: {
  onSubmit: () => unknown;
  error?: string | null;
  children: ReactNode;
  label?: string;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onSubmit();
  };
  return (
    <form onSubmit={submit} aria-label={label} noValidate>
      {error ? <Alert>{error}</Alert> : null}
      {children}
    </form>
  );
}

export function Submit({ pending, children }: { pending: boolean; children: ReactNode }) {
  return <button type="submit" disabled={pending} aria-busy={pending || undefined}>{children}</button>;
}
