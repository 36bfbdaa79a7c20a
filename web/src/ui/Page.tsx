import { useEffect, useRef, type ReactNode } from "react";
import { ApiError } from "../api/problem";
import { useI18n } from "../i18n";
import type { Loaded } from "./useLoad";
import { Alert } from "./Status";

/** A screen: its title in the document title and as the h1, which takes focus on navigation for screen readers. */
export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · sharemeter`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section className="page">
      <div className="page-head">
        <h1 tabIndex={-1} ref={heading}>{title}</h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Shows loading and load errors, then the content once the data is there. */
export function LoadState<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (loaded.data !== undefined) return <>{children(loaded.data)}</>;
  if (loaded.error) {
    const detail = loaded.error instanceof ApiError ? loaded.error.problem.detail : t("error.offline");
    return <Alert>{detail} <button type="button" onClick={loaded.reload}>{t("action.retry")}</button></Alert>;
  }
  return <p role="status" className="loading">{t("status.loading")}</p>;
}
