import type { ReactNode } from "react";

/** A section for one consequential action (leave, delete, sign out everywhere): a heading, why, and the button. */
export function DangerZone({ id, title, intro, error, button, confirm, onConfirmed }: {
  id: string;
  title: string;
  intro: ReactNode;
  error: string | null;
  button: string;
  /** Asked with window.confirm first, when given. */
  confirm?: string;
  onConfirmed: () => void;
}) {
  const click = () => {
    if (!confirm || window.confirm(confirm)) onConfirmed();
  };
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p>{intro}</p>
      {error ? <p role="alert" className="alert">{error}</p> : null}
      <button type="button" className="danger" onClick={click}>{button}</button>
    </section>
  );
}
