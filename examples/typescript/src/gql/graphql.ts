/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreatePlanInput = {
  /** At most 2,000 characters; tabs and line breaks are its only control characters. */
  description?: string | null | undefined;
  /** 1 to 200 characters after trimming, no control characters. */
  name: string;
};

export type CreateUserInput = {
  /**
   * One `@` after text and before a domain like example.com, no spaces or control
   * characters, at most 320 characters; unique ignoring case (in every script).
   */
  email: string;
  /** 1 to 200 characters after trimming, no control characters. */
  name: string;
};

export type CreateUserPlanInput = {
  planId: string;
  /** Defaults to MEMBER. */
  role?: MembershipRole | null | undefined;
  userId: string;
};

/** What happened to a membership. */
export type MembershipEventKind =
  | 'ADDED'
  | 'REMOVED'
  | 'UPDATED';

/** A member's role in a plan. */
export type MembershipRole =
  | 'ADMIN'
  | 'MEMBER'
  | 'OWNER';

export type PlanFilter = {
  /** Only these plans. */
  ids?: Array<string> | null | undefined;
  /** Substring of the name, ignoring case (in every script). */
  nameContains?: string | null | undefined;
  /** Only plans linked to this user. */
  userId?: string | null | undefined;
};

export type PlanOrder = {
  direction: SortDirection;
  field: PlanSortField;
};

export type PlanSortField =
  | 'INSERTED_AT'
  | 'NAME';

export type SortDirection =
  | 'ASC'
  | 'DESC';

/** Fields left out keep their value; `description: null` clears the description. */
export type UpdatePlanInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
};

/** Fields left out keep their value. */
export type UpdateUserInput = {
  email?: string | null | undefined;
  name?: string | null | undefined;
};

export type UserFilter = {
  /** Exact match, ignoring case (in every script) and surrounding spaces. */
  email?: string | null | undefined;
  /** Only these users. */
  ids?: Array<string> | null | undefined;
  /** Substring of the name, ignoring case (in every script). */
  nameContains?: string | null | undefined;
  /** Only users linked to this plan. */
  planId?: string | null | undefined;
};

export type UserOrder = {
  direction: SortDirection;
  field: UserSortField;
};

export type UserSortField =
  | 'EMAIL'
  | 'INSERTED_AT'
  | 'NAME';

export type UserFieldsFragment = { id: string, email: string, name: string, insertedAt: string, updatedAt: string };

export type PlanFieldsFragment = { id: string, name: string, description: string | null, insertedAt: string, updatedAt: string };

export type PageInfoFieldsFragment = { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null };

export type UserLinksFieldsFragment = { addedPlanIds: Array<string>, removedPlanIds: Array<string>, unchangedPlanIds: Array<string>, user: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ id: string, name: string }> } };

export type PlanLinksFieldsFragment = { addedUserIds: Array<string>, removedUserIds: Array<string>, unchangedUserIds: Array<string>, plan: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ id: string, email: string }> } };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string } | null };

export type GetUserQueryVariables = Exact<{
  id: string;
  plansFirst?: number | null | undefined;
  role?: MembershipRole | null | undefined;
}>;


export type GetUserQuery = { user: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string }>, memberships: Array<{ planId: string, role: MembershipRole, insertedAt: string, plan: { id: string, name: string } }> } | null };

export type GetPlanQueryVariables = Exact<{
  id: string;
  usersFirst?: number | null | undefined;
  role?: MembershipRole | null | undefined;
}>;


export type GetPlanQuery = { plan: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string }>, memberships: Array<{ userId: string, role: MembershipRole, insertedAt: string, user: { id: string, email: string } }> } | null };

export type GetUserPlanQueryVariables = Exact<{
  userId: string;
  planId: string;
}>;


export type GetUserPlanQuery = { userPlan: { userId: string, planId: string, role: MembershipRole, insertedAt: string, user: { id: string, email: string, name: string, insertedAt: string, updatedAt: string }, plan: { id: string, name: string, description: string | null, insertedAt: string, updatedAt: string } } | null };

export type ListUsersQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  filter?: UserFilter | null | undefined;
  orderBy?: UserOrder | null | undefined;
  plansFirst?: number | null | undefined;
}>;


export type ListUsersQuery = { users: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ id: string, name: string }> } }>, nodes: Array<{ id: string, email: string }> } };

export type ListPlansQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
  filter?: PlanFilter | null | undefined;
  orderBy?: PlanOrder | null | undefined;
  usersFirst?: number | null | undefined;
}>;


export type ListPlansQuery = { plans: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ id: string, email: string }> } }>, nodes: Array<{ id: string, name: string }> } };

export type CreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type CreateUserMutation = { createUser: { id: string, email: string, name: string, insertedAt: string, updatedAt: string } };

export type UpdateUserMutationVariables = Exact<{
  id: string;
  input: UpdateUserInput;
}>;


export type UpdateUserMutation = { updateUser: { id: string, email: string, name: string, insertedAt: string, updatedAt: string } };

export type DeleteUserMutationVariables = Exact<{
  id: string;
}>;


export type DeleteUserMutation = { deleteUser: string };

export type CreatePlanMutationVariables = Exact<{
  input: CreatePlanInput;
}>;


export type CreatePlanMutation = { createPlan: { id: string, name: string, description: string | null, insertedAt: string, updatedAt: string } };

export type UpdatePlanMutationVariables = Exact<{
  id: string;
  input: UpdatePlanInput;
}>;


export type UpdatePlanMutation = { updatePlan: { id: string, name: string, description: string | null, insertedAt: string, updatedAt: string } };

export type DeletePlanMutationVariables = Exact<{
  id: string;
}>;


export type DeletePlanMutation = { deletePlan: string };

export type CreateUserPlanMutationVariables = Exact<{
  input: CreateUserPlanInput;
}>;


export type CreateUserPlanMutation = { createUserPlan: { userId: string, planId: string, role: MembershipRole, insertedAt: string } };

export type UpdateUserPlanMutationVariables = Exact<{
  userId: string;
  planId: string;
  role: MembershipRole;
}>;


export type UpdateUserPlanMutation = { updateUserPlan: { userId: string, planId: string, role: MembershipRole, insertedAt: string } };

export type DeleteUserPlanMutationVariables = Exact<{
  userId: string;
  planId: string;
}>;


export type DeleteUserPlanMutation = { deleteUserPlan: { userId: string, planId: string, role: MembershipRole, insertedAt: string } };

export type AddPlansToUserMutationVariables = Exact<{
  userId: string;
  planIds: Array<string> | string;
  role?: MembershipRole | null | undefined;
}>;


export type AddPlansToUserMutation = { addPlansToUser: { addedPlanIds: Array<string>, removedPlanIds: Array<string>, unchangedPlanIds: Array<string>, user: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ id: string, name: string }> } } };

export type RemovePlansFromUserMutationVariables = Exact<{
  userId: string;
  planIds: Array<string> | string;
}>;


export type RemovePlansFromUserMutation = { removePlansFromUser: { addedPlanIds: Array<string>, removedPlanIds: Array<string>, unchangedPlanIds: Array<string>, user: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ id: string, name: string }> } } };

export type SetUserPlansMutationVariables = Exact<{
  userId: string;
  planIds: Array<string> | string;
  role?: MembershipRole | null | undefined;
  expectedPlanIds?: Array<string> | string | null | undefined;
}>;


export type SetUserPlansMutation = { setUserPlans: { addedPlanIds: Array<string>, removedPlanIds: Array<string>, unchangedPlanIds: Array<string>, user: { planCount: number, id: string, email: string, name: string, insertedAt: string, updatedAt: string, plans: Array<{ id: string, name: string }> } } };

export type AddUsersToPlanMutationVariables = Exact<{
  planId: string;
  userIds: Array<string> | string;
  role?: MembershipRole | null | undefined;
}>;


export type AddUsersToPlanMutation = { addUsersToPlan: { addedUserIds: Array<string>, removedUserIds: Array<string>, unchangedUserIds: Array<string>, plan: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ id: string, email: string }> } } };

export type RemoveUsersFromPlanMutationVariables = Exact<{
  planId: string;
  userIds: Array<string> | string;
}>;


export type RemoveUsersFromPlanMutation = { removeUsersFromPlan: { addedUserIds: Array<string>, removedUserIds: Array<string>, unchangedUserIds: Array<string>, plan: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ id: string, email: string }> } } };

export type SetPlanUsersMutationVariables = Exact<{
  planId: string;
  userIds: Array<string> | string;
  role?: MembershipRole | null | undefined;
  expectedUserIds?: Array<string> | string | null | undefined;
}>;


export type SetPlanUsersMutation = { setPlanUsers: { addedUserIds: Array<string>, removedUserIds: Array<string>, unchangedUserIds: Array<string>, plan: { userCount: number, id: string, name: string, description: string | null, insertedAt: string, updatedAt: string, users: Array<{ id: string, email: string }> } } };

export type MembershipChangedSubscriptionVariables = Exact<{
  userId?: string | null | undefined;
  planId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type MembershipChangedSubscription = { membershipChanged: { kind: MembershipEventKind, userId: string, planId: string, role: MembershipRole | null, at: string, actorId: string | null, cursor: string } };

export type MembershipEventFieldsFragment = { kind: MembershipEventKind, userId: string, planId: string, role: MembershipRole | null, at: string, actorId: string | null, cursor: string };

export type MembershipHistoryQueryVariables = Exact<{
  userId?: string | null | undefined;
  planId?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MembershipHistoryQuery = { membershipHistory: { nodes: Array<{ kind: MembershipEventKind, userId: string, planId: string, role: MembershipRole | null, at: string, actorId: string | null, cursor: string }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const PageInfoFieldsFragmentDoc = new TypedDocumentString(`
    fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}
    `, {"fragmentName":"PageInfoFields"}) as unknown as TypedDocumentString<PageInfoFieldsFragment, unknown>;
export const UserFieldsFragmentDoc = new TypedDocumentString(`
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
    `, {"fragmentName":"UserFields"}) as unknown as TypedDocumentString<UserFieldsFragment, unknown>;
export const UserLinksFieldsFragmentDoc = new TypedDocumentString(`
    fragment UserLinksFields on UserLinksPayload {
  user {
    ...UserFields
    planCount
    plans(first: 100) {
      id
      name
    }
  }
  addedPlanIds
  removedPlanIds
  unchangedPlanIds
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}`, {"fragmentName":"UserLinksFields"}) as unknown as TypedDocumentString<UserLinksFieldsFragment, unknown>;
export const PlanFieldsFragmentDoc = new TypedDocumentString(`
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}
    `, {"fragmentName":"PlanFields"}) as unknown as TypedDocumentString<PlanFieldsFragment, unknown>;
export const PlanLinksFieldsFragmentDoc = new TypedDocumentString(`
    fragment PlanLinksFields on PlanLinksPayload {
  plan {
    ...PlanFields
    userCount
    users(first: 100) {
      id
      email
    }
  }
  addedUserIds
  removedUserIds
  unchangedUserIds
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"fragmentName":"PlanLinksFields"}) as unknown as TypedDocumentString<PlanLinksFieldsFragment, unknown>;
export const MembershipEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment MembershipEventFields on MembershipEvent {
  kind
  userId
  planId
  role
  at
  actorId
  cursor
}
    `, {"fragmentName":"MembershipEventFields"}) as unknown as TypedDocumentString<MembershipEventFieldsFragment, unknown>;
export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    ...UserFields
    planCount
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}`, {"hash":"cc0488fce53b0721691cd501ad19b5d4545c6567f0ac85e1f1296deb177f4310"}) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const GetUserDocument = new TypedDocumentString(`
    query GetUser($id: UUID!, $plansFirst: Int, $role: MembershipRole) {
  user(id: $id) {
    ...UserFields
    planCount
    plans(first: $plansFirst, role: $role) {
      ...PlanFields
      userCount
    }
    memberships(first: $plansFirst, role: $role) {
      planId
      role
      insertedAt
      plan {
        id
        name
      }
    }
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"hash":"f9d77b4a2e4adbdf88275e62cc2ba804e35006b8e9e890b4cba945af2884858e"}) as unknown as TypedDocumentString<GetUserQuery, GetUserQueryVariables>;
export const GetPlanDocument = new TypedDocumentString(`
    query GetPlan($id: UUID!, $usersFirst: Int, $role: MembershipRole) {
  plan(id: $id) {
    ...PlanFields
    userCount
    users(first: $usersFirst, role: $role) {
      ...UserFields
      planCount
    }
    memberships(first: $usersFirst, role: $role) {
      userId
      role
      insertedAt
      user {
        id
        email
      }
    }
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"hash":"f906666e33ab0c5de07c1a581d4488b65575e84a4b695b86157970cc1d40b83c"}) as unknown as TypedDocumentString<GetPlanQuery, GetPlanQueryVariables>;
export const GetUserPlanDocument = new TypedDocumentString(`
    query GetUserPlan($userId: UUID!, $planId: UUID!) {
  userPlan(userId: $userId, planId: $planId) {
    userId
    planId
    role
    insertedAt
    user {
      ...UserFields
    }
    plan {
      ...PlanFields
    }
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"hash":"c54931a54a862e35bc99ffeec822bfb4f2065a47901cf8c3d12d8978bdbe5331"}) as unknown as TypedDocumentString<GetUserPlanQuery, GetUserPlanQueryVariables>;
export const ListUsersDocument = new TypedDocumentString(`
    query ListUsers($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserOrder, $plansFirst: Int = 10) {
  users(
    first: $first
    after: $after
    last: $last
    before: $before
    filter: $filter
    orderBy: $orderBy
  ) {
    totalCount
    pageInfo {
      ...PageInfoFields
    }
    edges {
      cursor
      node {
        ...UserFields
        planCount
        plans(first: $plansFirst) {
          id
          name
        }
      }
    }
    nodes {
      id
      email
    }
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`, {"hash":"4737613d51a59a6ceb45c3830eceabc9eaa56558737324771c039ef1a816c9a5"}) as unknown as TypedDocumentString<ListUsersQuery, ListUsersQueryVariables>;
export const ListPlansDocument = new TypedDocumentString(`
    query ListPlans($first: Int, $after: String, $last: Int, $before: String, $filter: PlanFilter, $orderBy: PlanOrder, $usersFirst: Int = 10) {
  plans(
    first: $first
    after: $after
    last: $last
    before: $before
    filter: $filter
    orderBy: $orderBy
  ) {
    totalCount
    pageInfo {
      ...PageInfoFields
    }
    edges {
      cursor
      node {
        ...PlanFields
        userCount
        users(first: $usersFirst) {
          id
          email
        }
      }
    }
    nodes {
      id
      name
    }
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}
fragment PageInfoFields on PageInfo {
  hasNextPage
  hasPreviousPage
  startCursor
  endCursor
}`, {"hash":"914ad6d3554b9e63245030f8a0aec4b7ed234c87eafc90020997e9e88b7f1e14"}) as unknown as TypedDocumentString<ListPlansQuery, ListPlansQueryVariables>;
export const CreateUserDocument = new TypedDocumentString(`
    mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    ...UserFields
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}`, {"hash":"2913098a77987cc6e4a0607d10ec27b44a6d70f4e998306ae058d35b90b31110"}) as unknown as TypedDocumentString<CreateUserMutation, CreateUserMutationVariables>;
export const UpdateUserDocument = new TypedDocumentString(`
    mutation UpdateUser($id: UUID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) {
    ...UserFields
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}`, {"hash":"d565a9af30e97d96bd81fccc7d3474834f5eebaf970d3f94675b2151bef99a57"}) as unknown as TypedDocumentString<UpdateUserMutation, UpdateUserMutationVariables>;
export const DeleteUserDocument = new TypedDocumentString(`
    mutation DeleteUser($id: UUID!) {
  deleteUser(id: $id)
}
    `, {"hash":"d0ee98a86a3310e91bd092484bc281628ebfc48e5c2f1991e3bf67d3d95bda2f"}) as unknown as TypedDocumentString<DeleteUserMutation, DeleteUserMutationVariables>;
export const CreatePlanDocument = new TypedDocumentString(`
    mutation CreatePlan($input: CreatePlanInput!) {
  createPlan(input: $input) {
    ...PlanFields
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"hash":"1b17bd7c4f47248625ffd53da1845c02b8b4115200cd007f015b4a0233dc9350"}) as unknown as TypedDocumentString<CreatePlanMutation, CreatePlanMutationVariables>;
export const UpdatePlanDocument = new TypedDocumentString(`
    mutation UpdatePlan($id: UUID!, $input: UpdatePlanInput!) {
  updatePlan(id: $id, input: $input) {
    ...PlanFields
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}`, {"hash":"010983f20492de2bbf62c6ae389136c2a5a082afc0c2a936733fb2a29932df19"}) as unknown as TypedDocumentString<UpdatePlanMutation, UpdatePlanMutationVariables>;
export const DeletePlanDocument = new TypedDocumentString(`
    mutation DeletePlan($id: UUID!) {
  deletePlan(id: $id)
}
    `, {"hash":"7bd013bef5deab6a0f374fa0bec1ce02f3aa7db93392134e2bf06449e0282838"}) as unknown as TypedDocumentString<DeletePlanMutation, DeletePlanMutationVariables>;
export const CreateUserPlanDocument = new TypedDocumentString(`
    mutation CreateUserPlan($input: CreateUserPlanInput!) {
  createUserPlan(input: $input) {
    userId
    planId
    role
    insertedAt
  }
}
    `, {"hash":"729cec9602fa13cacfb64fc877f02fc8e493423164df95aad64639f49034feac"}) as unknown as TypedDocumentString<CreateUserPlanMutation, CreateUserPlanMutationVariables>;
export const UpdateUserPlanDocument = new TypedDocumentString(`
    mutation UpdateUserPlan($userId: UUID!, $planId: UUID!, $role: MembershipRole!) {
  updateUserPlan(userId: $userId, planId: $planId, role: $role) {
    userId
    planId
    role
    insertedAt
  }
}
    `, {"hash":"760d00e4990665baf0c677a0cfbeef4c36a4055661b7096e84734632d1159986"}) as unknown as TypedDocumentString<UpdateUserPlanMutation, UpdateUserPlanMutationVariables>;
export const DeleteUserPlanDocument = new TypedDocumentString(`
    mutation DeleteUserPlan($userId: UUID!, $planId: UUID!) {
  deleteUserPlan(userId: $userId, planId: $planId) {
    userId
    planId
    role
    insertedAt
  }
}
    `, {"hash":"2711bd27794a6b1cebd5f73936248c92e668700bdad8497265c818e871c0f0e0"}) as unknown as TypedDocumentString<DeleteUserPlanMutation, DeleteUserPlanMutationVariables>;
export const AddPlansToUserDocument = new TypedDocumentString(`
    mutation AddPlansToUser($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole) {
  addPlansToUser(userId: $userId, planIds: $planIds, role: $role) {
    ...UserLinksFields
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment UserLinksFields on UserLinksPayload {
  user {
    ...UserFields
    planCount
    plans(first: 100) {
      id
      name
    }
  }
  addedPlanIds
  removedPlanIds
  unchangedPlanIds
}`, {"hash":"d2c9bbd1aff967d0d8fc5f33f053b0f9f7526c89d6160276fd2cd40e2d732c76"}) as unknown as TypedDocumentString<AddPlansToUserMutation, AddPlansToUserMutationVariables>;
export const RemovePlansFromUserDocument = new TypedDocumentString(`
    mutation RemovePlansFromUser($userId: UUID!, $planIds: [UUID!]!) {
  removePlansFromUser(userId: $userId, planIds: $planIds) {
    ...UserLinksFields
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment UserLinksFields on UserLinksPayload {
  user {
    ...UserFields
    planCount
    plans(first: 100) {
      id
      name
    }
  }
  addedPlanIds
  removedPlanIds
  unchangedPlanIds
}`, {"hash":"15ecc77da010c307f7da20c7b65e979a16eb8ba242537b80c618246b386c714f"}) as unknown as TypedDocumentString<RemovePlansFromUserMutation, RemovePlansFromUserMutationVariables>;
export const SetUserPlansDocument = new TypedDocumentString(`
    mutation SetUserPlans($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole, $expectedPlanIds: [UUID!]) {
  setUserPlans(
    userId: $userId
    planIds: $planIds
    role: $role
    expectedPlanIds: $expectedPlanIds
  ) {
    ...UserLinksFields
  }
}
    fragment UserFields on User {
  id
  email
  name
  insertedAt
  updatedAt
}
fragment UserLinksFields on UserLinksPayload {
  user {
    ...UserFields
    planCount
    plans(first: 100) {
      id
      name
    }
  }
  addedPlanIds
  removedPlanIds
  unchangedPlanIds
}`, {"hash":"0f064c5866e8d912dbc82ffa8594c0746f5446d16bbba2012a3e9b35bb76f97b"}) as unknown as TypedDocumentString<SetUserPlansMutation, SetUserPlansMutationVariables>;
export const AddUsersToPlanDocument = new TypedDocumentString(`
    mutation AddUsersToPlan($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole) {
  addUsersToPlan(planId: $planId, userIds: $userIds, role: $role) {
    ...PlanLinksFields
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}
fragment PlanLinksFields on PlanLinksPayload {
  plan {
    ...PlanFields
    userCount
    users(first: 100) {
      id
      email
    }
  }
  addedUserIds
  removedUserIds
  unchangedUserIds
}`, {"hash":"f1aea6aaba0dd5903635d5b6d9dc585bb322a8d3eb416deff725e34b1c18ee04"}) as unknown as TypedDocumentString<AddUsersToPlanMutation, AddUsersToPlanMutationVariables>;
export const RemoveUsersFromPlanDocument = new TypedDocumentString(`
    mutation RemoveUsersFromPlan($planId: UUID!, $userIds: [UUID!]!) {
  removeUsersFromPlan(planId: $planId, userIds: $userIds) {
    ...PlanLinksFields
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}
fragment PlanLinksFields on PlanLinksPayload {
  plan {
    ...PlanFields
    userCount
    users(first: 100) {
      id
      email
    }
  }
  addedUserIds
  removedUserIds
  unchangedUserIds
}`, {"hash":"d19581d610a1aa0e1bcc92cfbd2b289b52f9b2388fe35774950b6ccfa6518c80"}) as unknown as TypedDocumentString<RemoveUsersFromPlanMutation, RemoveUsersFromPlanMutationVariables>;
export const SetPlanUsersDocument = new TypedDocumentString(`
    mutation SetPlanUsers($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole, $expectedUserIds: [UUID!]) {
  setPlanUsers(
    planId: $planId
    userIds: $userIds
    role: $role
    expectedUserIds: $expectedUserIds
  ) {
    ...PlanLinksFields
  }
}
    fragment PlanFields on Plan {
  id
  name
  description
  insertedAt
  updatedAt
}
fragment PlanLinksFields on PlanLinksPayload {
  plan {
    ...PlanFields
    userCount
    users(first: 100) {
      id
      email
    }
  }
  addedUserIds
  removedUserIds
  unchangedUserIds
}`, {"hash":"7ef94512e2d6136017321c63a61b18df767e5dae4a574bf166da89a3fd490959"}) as unknown as TypedDocumentString<SetPlanUsersMutation, SetPlanUsersMutationVariables>;
export const MembershipChangedDocument = new TypedDocumentString(`
    subscription MembershipChanged($userId: UUID, $planId: UUID, $after: String) {
  membershipChanged(userId: $userId, planId: $planId, after: $after) {
    ...MembershipEventFields
  }
}
    fragment MembershipEventFields on MembershipEvent {
  kind
  userId
  planId
  role
  at
  actorId
  cursor
}`, {"hash":"3e722984819bd7b328d323507a53b99e135bd6b0e38d88a7ec8731d17448a73b"}) as unknown as TypedDocumentString<MembershipChangedSubscription, MembershipChangedSubscriptionVariables>;
export const MembershipHistoryDocument = new TypedDocumentString(`
    query MembershipHistory($userId: UUID, $planId: UUID, $first: Int, $after: String) {
  membershipHistory(
    userId: $userId
    planId: $planId
    first: $first
    after: $after
  ) {
    nodes {
      ...MembershipEventFields
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment MembershipEventFields on MembershipEvent {
  kind
  userId
  planId
  role
  at
  actorId
  cursor
}`, {"hash":"f344cf3c90d4ab28b498e6ca87312be16322262aace76a93e1581ed1f4df40fa"}) as unknown as TypedDocumentString<MembershipHistoryQuery, MembershipHistoryQueryVariables>;