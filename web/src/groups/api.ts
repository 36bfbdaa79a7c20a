import { allPages, call, type BodyOf, type ResponseOf } from "../api/client";

export type Group = ResponseOf<"get", "/groups/{group_id}">;
export type Member = ResponseOf<"patch", "/groups/{group_id}/members/{user_id}">;
export type Invitation = ResponseOf<"post", "/groups/{group_id}/invitations">;
export type Role = Member["role"];
export const ROLES: readonly Role[] = ["owner", "admin", "member", "viewer"];

export function listGroups(): Promise<Group[]> {
  return allPages((cursor) => call("get", "/groups", { query: { cursor, limit: 100 } }));
}

export function getGroup(groupId: string): Promise<Group> {
  return call("get", "/groups/{group_id}", { path: { group_id: groupId } });
}

export function createGroup(body: BodyOf<"post", "/groups">): Promise<Group> {
  return call("post", "/groups", { body });
}

export function updateGroup(group: Group, body: BodyOf<"patch", "/groups/{group_id}">): Promise<Group> {
  return call("patch", "/groups/{group_id}", { path: { group_id: group.id }, body, version: group.version });
}

export async function deleteGroup(group: Group): Promise<void> {
  await call("delete", "/groups/{group_id}", { path: { group_id: group.id }, version: group.version });
}

export function listMembers(groupId: string): Promise<Member[]> {
  return allPages((cursor) => call("get", "/groups/{group_id}/members", { path: { group_id: groupId }, query: { cursor, limit: 100 } }));
}

export function updateMember(groupId: string, member: Member, body: BodyOf<"patch", "/groups/{group_id}/members/{user_id}">): Promise<Member> {
  return call("patch", "/groups/{group_id}/members/{user_id}", {
    path: { group_id: groupId, user_id: member.user_id }, body: { ...body, version: member.version },
  });
}

export function changeRole(groupId: string, member: Member, role: Role) {
  return call("put", "/groups/{group_id}/members/{user_id}/role", {
    path: { group_id: groupId, user_id: member.user_id }, body: { role, version: member.version },
  });
}

export async function removeMember(groupId: string, userId: string): Promise<void> {
  await call("delete", "/groups/{group_id}/members/{user_id}", { path: { group_id: groupId, user_id: userId } });
}

export async function leaveGroup(groupId: string): Promise<void> {
  await call("post", "/groups/{group_id}/leave", { path: { group_id: groupId } });
}

export function listInvitations(groupId: string): Promise<Invitation[]> {
  return allPages((cursor) => call("get", "/groups/{group_id}/invitations", { path: { group_id: groupId }, query: { cursor, limit: 100 } }));
}

export function invite(groupId: string, body: BodyOf<"post", "/groups/{group_id}/invitations">): Promise<Invitation> {
  return call("post", "/groups/{group_id}/invitations", { path: { group_id: groupId }, body });
}

export async function revokeInvitation(groupId: string, invitationId: string): Promise<void> {
  await call("delete", "/groups/{group_id}/invitations/{invitation_id}", { path: { group_id: groupId, invitation_id: invitationId } });
}

/** Who invites to which group, for the link's page before sign-in (and the invited address, to prefill). */
export function previewInvitation(token: string) {
  return call("post", "/invitations/preview", { body: { token } });
}

export function acceptInvitation(token: string) {
  return call("post", "/invitations/accept", { body: { token } });
}

export async function declineInvitation(token: string): Promise<void> {
  await call("post", "/invitations/decline", { body: { token } });
}

export function auditLog(groupId: string) {
  return call("get", "/groups/{group_id}/audit", { path: { group_id: groupId }, query: { limit: 50 } });
}
