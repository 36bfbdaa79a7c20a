import type { Bill, BillShare } from "../bills/api";

/**
 * PAY BUTTON SLOT. Online payments (Stripe PaymentIntents) do not exist in the API yet; when they do, the payments
 * helper renders the "Pay my share" button here (the bill and the signed-in person's own unpaid share are passed in).
 * Until then it renders nothing: a member records a payment made elsewhere with "Record payment".
 */
export function PayShareSlot(props: { bill: Bill; share: BillShare }) {
  void props;
  return null;
}
