import { createContext, useCallback, useContext, type ReactNode } from "react";
import { useI18n } from "../i18n";
import { LoadState } from "../ui/Page";
import { useLoad } from "../ui/useLoad";
import { getGroup, listMembers, type Group, type Member } from "./api";

interface GroupData {
  group: Group;
  members: Member[];
  /** Owners and admins manage meters, bills and members. */
  canManage: boolean;
  nameOf: (participantId: string) => string;
  reload: () => void;
}

const GroupContext = createContext<GroupData | null>(null);

export function GroupProvider({ groupId, children }: { groupId: string; children: ReactNode }) {
  const { t } = useI18n();
  const loaded = useLoad(async () => {
    const [group, members] = await Promise.all([getGroup(groupId), listMembers(groupId)]);
    return { group, members };
  }, [groupId]);
  const nameOf = useCallback((id: string) => {
    if (id === "utility") return t("party.utility");
    return loaded.data?.members.find((m) => m.user_id === id)?.name ?? t("party.former");
  }, [loaded.data, t]);
  return (
    <LoadState loaded={loaded}>
      {({ group, members }) => (
        <GroupContext.Provider value={{ group, members, nameOf, reload: loaded.reload, canManage: group.your_role === "owner" || group.your_role === "admin" }}>
          {children}
        </GroupContext.Provider>
      )}
    </LoadState>
  );
}

export function useGroup(): GroupData {
  const value = useContext(GroupContext);
  if (!value) throw new Error("useGroup outside a GroupProvider");
  return value;
}
