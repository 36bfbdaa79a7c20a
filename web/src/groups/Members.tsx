import { useState } from "react";
import { navigate } from "../app/router";
import { useSession } from "../app/session";
import { useI18n } from "../i18n";
import { DangerZone } from "../ui/DangerZone";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { changeRole, invite, leaveGroup, listInvitations, removeMember, revokeInvitation, ROLES, updateMember, type Member, type Role } from "./api";
import { useGroup } from "./GroupContext";

export function Members() {
  const { t } = useI18n();
  const { group, members, canManage } = useGroup();
  return (
    <Page title={t("members.title", { group: group.name })}>
      <table>
        <caption className="visually-hidden">{t("members.title", { group: group.name })}</caption>
        <thead><tr><th scope="col">{t("field.name")}</th><th scope="col">{t("members.role")}</th><th scope="col">{t("members.weights")}</th>{canManage ? <th scope="col"><span className="visually-hidden">{t("members.actions")}</span></th> : null}</tr></thead>
        <tbody>{members.map((m) => <MemberRow key={m.user_id} member={m} />)}</tbody>
      </table>
      {canManage ? <Invitations /> : null}
      <LeaveGroup />
    </Page>
  );
}

function MemberRow({ member }: { member: Member }) {
  const { t, number } = useI18n();
  const { group, canManage, reload } = useGroup();
  const [editing, setEditing] = useState(false);
  const [area, setArea] = useState(member.weights.area ?? "");
  const [occupants, setOccupants] = useState(member.weights.occupants ?? "");
  const role = useAction(async (next: Role) => { await changeRole(group.id, member, next); reload(); });
  const weights = useAction(async () => {
    await updateMember(group.id, member, { weights: { area: area.trim() || null, occupants: occupants.trim() || null } });
    setEditing(false);
    reload();
  });
  const remove = useAction(async () => { await removeMember(group.id, member.user_id); reload(); });
  const error = role.error ?? weights.error ?? remove.error;
  return (
    <>
      <tr>
        <th scope="row">{member.name}</th>
        <td>
          {canManage ? (
            <SelectField label={t("members.roleOf", { name: member.name })} value={member.role}
              onChange={(e) => void role.run(e.target.value as Role)} options={ROLES.map((r) => [r, t(`role.${r}`)])} />
          ) : t(`role.${member.role}`)}
        </td>
        <td>{[
          member.weights.area ? `${number(member.weights.area)} m²` : "",
          member.weights.occupants ? t("members.persons", { count: number(member.weights.occupants) }) : "",
        ].filter(Boolean).join(" · ") || "—"}</td>
        {canManage ? (
          <td className="actions">
            <button type="button" className="secondary" onClick={() => setEditing(!editing)} aria-expanded={editing}
              aria-label={t("members.editWeights", { name: member.name })}>
              {t("members.edit")}
            </button>
            {member.role !== "owner" ? (
              <button type="button" className="danger" aria-label={t("members.remove", { name: member.name })}
                onClick={() => { if (window.confirm(t("members.confirmRemove", { name: member.name }))) void remove.run(); }}>
                {t("members.removeShort")}
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
      {error ? <tr><td colSpan={4}><p role="alert" className="alert">{error}</p></td></tr> : null}
      {editing ? (
        <tr>
          <td colSpan={4}>
            <Form onSubmit={weights.run} error={null} label={t("members.editWeights", { name: member.name })}>
              <Field label={t("members.areaOf", { name: member.name })} inputMode="decimal" value={area}
                onChange={(e) => setArea(e.target.value)} error={weights.fieldErrors["weights.area"]} />
              <Field label={t("members.occupantsOf", { name: member.name })} inputMode="decimal" value={occupants}
                onChange={(e) => setOccupants(e.target.value)} error={weights.fieldErrors["weights.occupants"]} />
              <Submit pending={weights.pending}>{t("action.save")}</Submit>
            </Form>
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Invitations() {
  const { t, dateTime } = useI18n();
  const { group } = useGroup();
  const loaded = useLoad(() => listInvitations(group.id), [group.id]);
  const [channel, setChannel] = useState<"email" | "phone">("email");
  const [recipient, setRecipient] = useState("");
  const [role, setRole] = useState<Role>("member");
  const send = useAction(async () => {
    await invite(group.id, { role, ...(channel === "email" ? { email: recipient.trim() } : { phone: recipient.trim() }) });
    setRecipient("");
    loaded.reload();
  });
  const revoke = useAction(async (id: string) => { await revokeInvitation(group.id, id); loaded.reload(); });
  return (
    <section aria-labelledby="invitations">
      <h2 id="invitations">{t("invite.title")}</h2>
      {send.done ? <Notice>{t("invite.sent")}</Notice> : null}
      <Form onSubmit={send.run} error={send.error} label={t("invite.title")}>
        <SelectField label={t("invite.channel")} value={channel} onChange={(e) => setChannel(e.target.value as "email" | "phone")}
          options={[["email", t("field.email")], ["phone", t("field.phone")]]} />
        <Field label={channel === "email" ? t("invite.email") : t("invite.phone")} type={channel === "email" ? "email" : "tel"}
          required value={recipient} onChange={(e) => setRecipient(e.target.value)} error={send.fieldErrors[channel]}
          hint={channel === "phone" ? t("field.phoneHint") : undefined} />
        <SelectField label={t("members.role")} value={role} onChange={(e) => setRole(e.target.value as Role)}
          options={ROLES.filter((r) => r !== "owner").map((r) => [r, t(`role.${r}`)])} />
        <Submit pending={send.pending}>{t("invite.send")}</Submit>
      </Form>
      <h3>{t("invite.pending")}</h3>
      {revoke.error ? <p role="alert" className="alert">{revoke.error}</p> : null}
      <LoadState loaded={loaded}>
        {(items) => items.length === 0 ? <p>{t("invite.none")}</p> : (
          <ul className="list">
            {items.map((i) => (
              <li key={i.id}>
                {i.recipient} · {t(`role.${i.role}`)} · {t("invite.expires", { at: dateTime(i.expires_at) })}
                <button type="button" className="secondary" onClick={() => void revoke.run(i.id)}>{t("invite.revoke", { who: i.recipient })}</button>
              </li>
            ))}
          </ul>
        )}
      </LoadState>
    </section>
  );
}

function LeaveGroup() {
  const { t } = useI18n();
  const { group } = useGroup();
  const { profile } = useSession();
  const leave = useAction(async () => { await leaveGroup(group.id); navigate("/"); });
  if (!profile) return null;
  return (
    <DangerZone id="leave" title={t("leave.title")} intro={t("leave.intro")} error={leave.error} button={t("leave.submit")}
      confirm={t("leave.confirm", { group: group.name })} onConfirmed={() => void leave.run()} />
  );
}
