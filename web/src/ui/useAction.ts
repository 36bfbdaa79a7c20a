import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, NetworkError } from "../api/problem";
import { useI18n } from "../i18n";

export interface ActionState {
  pending: boolean;
  /** The problem's detail (or a network message) for the form's alert. */
  error: string | null;
  /** Field name (as the API names it: `participants[1].weights.area`) -> message. */
  fieldErrors: Record<string, string>;
  done: boolean;
}

/** Runs a submit: pending while it runs, the API's problem detail and field errors when it fails. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const { t } = useI18n();
  const [state, setState] = useState<ActionState>({ pending: false, error: null, fieldErrors: {}, done: false });
  // `run` stays the same function across renders (the latest action and translations are read when it runs), so an
  // effect that depends on it fires once, not after every state change it causes.
  const latest = useRef({ action, t });
  useEffect(() => {
    latest.current = { action, t };
  });
  const run = useCallback(async (...args: A): Promise<boolean> => {
    setState({ pending: true, error: null, fieldErrors: {}, done: false });
    try {
      await latest.current.action(...args);
      setState({ pending: false, error: null, fieldErrors: {}, done: true });
      return true;
    } catch (error) {
      if (error instanceof ApiError) {
        setState({ pending: false, error: error.problem.detail || error.problem.title, fieldErrors: error.fieldErrors, done: false });
      } else if (error instanceof NetworkError) {
        setState({ pending: false, error: latest.current.t("error.offline"), fieldErrors: {}, done: false });
      } else {
        setState({ pending: false, error: error instanceof Error ? error.message : String(error), fieldErrors: {}, done: false });
      }
      return false;
    }
  }, []);
  return { ...state, run };
}
