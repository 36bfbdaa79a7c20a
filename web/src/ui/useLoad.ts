import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError, NetworkError } from "../api/problem";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | NetworkError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

interface State<T> {
  key: string;
  depsKey: string;
  data?: T;
  error?: Error;
}

/**
 * Loads data for a screen and again whenever `deps` change (compared by value) or `reload` is called after a write.
 * A reload keeps showing the previous data until the new answer arrives; an answer for stale deps is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [tick, setTick] = useState(0);
  const depsKey = JSON.stringify(deps);
  const key = `${depsKey}#${tick}`;
  const [state, setState] = useState<State<T>>({ key: "", depsKey: "" });
  const latest = useRef(load);
  useEffect(() => {
    latest.current = load;
  });
  useEffect(() => {
    let current = true;
    latest.current().then(
      (data) => { if (current) setState({ key, depsKey, data }); },
      (reason: unknown) => {
        if (!current) return;
        const error = reason instanceof Error ? reason : new Error(String(reason));
        setState((previous) => ({ key, depsKey, data: previous.depsKey === depsKey ? previous.data : undefined, error }));
      },
    );
    return () => { current = false; };
  }, [key, depsKey]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const sameDeps = state.depsKey === depsKey;
  return {
    data: sameDeps ? state.data : undefined,
    error: state.key === key ? state.error : undefined,
    loading: state.key !== key,
    reload,
  };
}
