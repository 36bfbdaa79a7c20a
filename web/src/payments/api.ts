import { allPages, call, request, type BodyOf, type ResponseOf } from "../api/client";

export type Payment = ResponseOf<"post", "/groups/{group_id}/payments">;
export type Balances = ResponseOf<"get", "/groups/{group_id}/balances">;
export type Settlement = ResponseOf<"get", "/groups/{group_id}/settlement">;

/** GET /payments declares no response model in the OpenAPI document (yet): its page is typed here by hand. */
interface PaymentPage {
  items: Payment[];
  next_cursor: string | null;
}

export function listPayments(groupId: string): Promise<Payment[]> {
  return allPages(async (cursor) => {
    const page: unknown = await call("get", "/groups/{group_id}/payments", { path: { group_id: groupId }, query: { cursor, limit: 100 } });
    return page as PaymentPage;
  });
}

/** Records a payment; the key makes a double tap or a retry harmless (the API replays the first payment). */
export async function recordPayment(groupId: string, body: BodyOf<"post", "/groups/{group_id}/payments">, idempotencyKey: string): Promise<{ payment: Payment; replayed: boolean }> {
  const answer = await request("post", "/groups/{group_id}/payments", { path: { group_id: groupId }, body, idempotencyKey });
  return { payment: answer.data, replayed: answer.headers.get("Idempotent-Replayed") === "true" };
}

export function balances(groupId: string): Promise<Balances> {
  return call("get", "/groups/{group_id}/balances", { path: { group_id: groupId } });
}

export function settlement(groupId: string): Promise<Settlement> {
  return call("get", "/groups/{group_id}/settlement", { path: { group_id: groupId } });
}

export function setSettlementPolicy(groupId: string, body: BodyOf<"put", "/groups/{group_id}/settlement">) {
  return call("put", "/groups/{group_id}/settlement", { path: { group_id: groupId }, body });
}
