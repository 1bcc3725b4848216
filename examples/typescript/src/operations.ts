// Every operation of userplan's contract, written once with the generated `graphql()`:
// each call returns a TypedDocumentString that carries its result and variables types
// and its persisted-document hash. `npm run codegen` regenerates src/gql/ from these.
import { graphql } from './gql';

// ---- fragments -------------------------------------------------------------------

export const UserFieldsFragment = graphql(`
  fragment UserFields on User {
    id
    email
    name
    insertedAt
    updatedAt
  }
`);

export const PlanFieldsFragment = graphql(`
  fragment PlanFields on Plan {
    id
    name
    description
    insertedAt
    updatedAt
  }
`);

export const PageInfoFieldsFragment = graphql(`
  fragment PageInfoFields on PageInfo {
    hasNextPage
    hasPreviousPage
    startCursor
    endCursor
  }
`);

/** What every link mutation from the user's side answers. */
export const UserLinksFieldsFragment = graphql(`
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
`);

/** What every link mutation from the plan's side answers. */
export const PlanLinksFieldsFragment = graphql(`
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
`);

// ---- queries ---------------------------------------------------------------------

/** The signed-in user (null for the service token and anonymous callers). */
export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      ...UserFields
      planCount
    }
  }
`);

export const GetUserQuery = graphql(`
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
`);

export const GetPlanQuery = graphql(`
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
`);

export const GetUserPlanQuery = graphql(`
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
`);

export const ListUsersQuery = graphql(`
  query ListUsers(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: UserFilter
    $orderBy: UserOrder
    $plansFirst: Int = 10
  ) {
    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
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
`);

export const ListPlansQuery = graphql(`
  query ListPlans(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: PlanFilter
    $orderBy: PlanOrder
    $usersFirst: Int = 10
  ) {
    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
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
`);

// ---- users and plans -------------------------------------------------------------

export const CreateUserMutation = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      ...UserFields
    }
  }
`);

export const UpdateUserMutation = graphql(`
  mutation UpdateUser($id: UUID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) {
      ...UserFields
    }
  }
`);

export const DeleteUserMutation = graphql(`
  mutation DeleteUser($id: UUID!) {
    deleteUser(id: $id)
  }
`);

export const CreatePlanMutation = graphql(`
  mutation CreatePlan($input: CreatePlanInput!) {
    createPlan(input: $input) {
      ...PlanFields
    }
  }
`);

export const UpdatePlanMutation = graphql(`
  mutation UpdatePlan($id: UUID!, $input: UpdatePlanInput!) {
    updatePlan(id: $id, input: $input) {
      ...PlanFields
    }
  }
`);

export const DeletePlanMutation = graphql(`
  mutation DeletePlan($id: UUID!) {
    deletePlan(id: $id)
  }
`);

// ---- the join resource -----------------------------------------------------------

export const CreateUserPlanMutation = graphql(`
  mutation CreateUserPlan($input: CreateUserPlanInput!) {
    createUserPlan(input: $input) {
      userId
      planId
      role
      insertedAt
    }
  }
`);

export const UpdateUserPlanMutation = graphql(`
  mutation UpdateUserPlan($userId: UUID!, $planId: UUID!, $role: MembershipRole!) {
    updateUserPlan(userId: $userId, planId: $planId, role: $role) {
      userId
      planId
      role
      insertedAt
    }
  }
`);

export const DeleteUserPlanMutation = graphql(`
  mutation DeleteUserPlan($userId: UUID!, $planId: UUID!) {
    deleteUserPlan(userId: $userId, planId: $planId) {
      userId
      planId
      role
      insertedAt
    }
  }
`);

// ---- links from either side ------------------------------------------------------

export const AddPlansToUserMutation = graphql(`
  mutation AddPlansToUser($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole) {
    addPlansToUser(userId: $userId, planIds: $planIds, role: $role) {
      ...UserLinksFields
    }
  }
`);

export const RemovePlansFromUserMutation = graphql(`
  mutation RemovePlansFromUser($userId: UUID!, $planIds: [UUID!]!) {
    removePlansFromUser(userId: $userId, planIds: $planIds) {
      ...UserLinksFields
    }
  }
`);

export const SetUserPlansMutation = graphql(`
  mutation SetUserPlans($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole, $expectedPlanIds: [UUID!]) {
    setUserPlans(userId: $userId, planIds: $planIds, role: $role, expectedPlanIds: $expectedPlanIds) {
      ...UserLinksFields
    }
  }
`);

export const AddUsersToPlanMutation = graphql(`
  mutation AddUsersToPlan($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole) {
    addUsersToPlan(planId: $planId, userIds: $userIds, role: $role) {
      ...PlanLinksFields
    }
  }
`);

export const RemoveUsersFromPlanMutation = graphql(`
  mutation RemoveUsersFromPlan($planId: UUID!, $userIds: [UUID!]!) {
    removeUsersFromPlan(planId: $planId, userIds: $userIds) {
      ...PlanLinksFields
    }
  }
`);

export const SetPlanUsersMutation = graphql(`
  mutation SetPlanUsers($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole, $expectedUserIds: [UUID!]) {
    setPlanUsers(planId: $planId, userIds: $userIds, role: $role, expectedUserIds: $expectedUserIds) {
      ...PlanLinksFields
    }
  }
`);

// ---- subscription ----------------------------------------------------------------

/** Over WebSocket (graphql-transport-ws at /graphql/ws), not with `execute` below. */
/** Pass the last event's `cursor` as `after` to resume with nothing missed. */
export const MembershipChangedSubscription = graphql(`
  subscription MembershipChanged($userId: UUID, $planId: UUID, $after: String) {
    membershipChanged(userId: $userId, planId: $planId, after: $after) {
      ...MembershipEventFields
    }
  }
`);

// ---- history ---------------------------------------------------------------------

export const MembershipEventFields = graphql(`
  fragment MembershipEventFields on MembershipEvent {
    kind
    userId
    planId
    role
    at
    actorId
    cursor
  }
`);

/** Every kept change, oldest first; `after`/`before` take an event's `cursor`. */
export const MembershipHistoryQuery = graphql(`
  query MembershipHistory($userId: UUID, $planId: UUID, $first: Int, $after: String) {
    membershipHistory(userId: $userId, planId: $planId, first: $first, after: $after) {
      nodes {
        ...MembershipEventFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
