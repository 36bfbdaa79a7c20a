import { allPages, call, type BodyOf, type ResponseOf, type Schemas } from "../api/client";

export type Bill = ResponseOf<"get", "/groups/{group_id}/bills/{bill_id}">;
export type BillShare = Schemas["BillShareOut"];
export type BillCreate = BodyOf<"post", "/groups/{group_id}/bills">;
export type Tariff = ResponseOf<"get", "/groups/{group_id}/tariff">;

/** A share's line as the API stores it on an issued bill or a draft's preview (see LineShareOut). */
export type ShareLine = Schemas["LineShareOut"];

export function listBills(groupId: string): Promise<Bill[]> {
  return allPages((cursor) => call("get", "/groups/{group_id}/bills", { path: { group_id: groupId }, query: { cursor, limit: 100 } }));
}

export function getBill(groupId: string, billId: string): Promise<Bill> {
  return call("get", "/groups/{group_id}/bills/{bill_id}", { path: { group_id: groupId, bill_id: billId } });
}

export function draftBill(groupId: string, body: BillCreate): Promise<Bill> {
  return call("post", "/groups/{group_id}/bills", { path: { group_id: groupId }, body });
}

export function updateDraft(groupId: string, bill: Bill, body: BodyOf<"patch", "/groups/{group_id}/bills/{bill_id}">): Promise<Bill> {
  return call("patch", "/groups/{group_id}/bills/{bill_id}", { path: { group_id: groupId, bill_id: bill.id }, body, version: bill.version });
}

export async function deleteDraft(groupId: string, bill: Bill): Promise<void> {
  await call("delete", "/groups/{group_id}/bills/{bill_id}", { path: { group_id: groupId, bill_id: bill.id }, version: bill.version });
}

export function sendToReview(groupId: string, bill: Bill): Promise<Bill> {
  return call("post", "/groups/{group_id}/bills/{bill_id}/review", { path: { group_id: groupId, bill_id: bill.id }, version: bill.version });
}

export function issueBill(groupId: string, bill: Bill): Promise<Bill> {
  return call("post", "/groups/{group_id}/bills/{bill_id}/issue", { path: { group_id: groupId, bill_id: bill.id }, version: bill.version });
}

export function getTariff(groupId: string): Promise<Tariff> {
  return call("get", "/groups/{group_id}/tariff", { path: { group_id: groupId } });
}

export function setTariff(groupId: string, body: BodyOf<"put", "/groups/{group_id}/tariff">) {
  return call("put", "/groups/{group_id}/tariff", { path: { group_id: groupId }, body });
}
