/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    email\n    name\n    insertedAt\n    updatedAt\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment PlanFields on Plan {\n    id\n    name\n    description\n    insertedAt\n    updatedAt\n  }\n": typeof types.PlanFieldsFragmentDoc,
    "\n  fragment PageInfoFields on PageInfo {\n    hasNextPage\n    hasPreviousPage\n    startCursor\n    endCursor\n  }\n": typeof types.PageInfoFieldsFragmentDoc,
    "\n  fragment UserLinksFields on UserLinksPayload {\n    user {\n      ...UserFields\n      planCount\n      plans(first: 100) {\n        id\n        name\n      }\n    }\n    addedPlanIds\n    removedPlanIds\n    unchangedPlanIds\n  }\n": typeof types.UserLinksFieldsFragmentDoc,
    "\n  fragment PlanLinksFields on PlanLinksPayload {\n    plan {\n      ...PlanFields\n      userCount\n      users(first: 100) {\n        id\n        email\n      }\n    }\n    addedUserIds\n    removedUserIds\n    unchangedUserIds\n  }\n": typeof types.PlanLinksFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...UserFields\n      planCount\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query GetUser($id: UUID!, $plansFirst: Int, $role: MembershipRole) {\n    user(id: $id) {\n      ...UserFields\n      planCount\n      plans(first: $plansFirst, role: $role) {\n        ...PlanFields\n        userCount\n      }\n      memberships(first: $plansFirst, role: $role) {\n        planId\n        role\n        insertedAt\n        plan {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.GetUserDocument,
    "\n  query GetPlan($id: UUID!, $usersFirst: Int, $role: MembershipRole) {\n    plan(id: $id) {\n      ...PlanFields\n      userCount\n      users(first: $usersFirst, role: $role) {\n        ...UserFields\n        planCount\n      }\n      memberships(first: $usersFirst, role: $role) {\n        userId\n        role\n        insertedAt\n        user {\n          id\n          email\n        }\n      }\n    }\n  }\n": typeof types.GetPlanDocument,
    "\n  query GetUserPlan($userId: UUID!, $planId: UUID!) {\n    userPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n      user {\n        ...UserFields\n      }\n      plan {\n        ...PlanFields\n      }\n    }\n  }\n": typeof types.GetUserPlanDocument,
    "\n  query ListUsers(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: UserFilter\n    $orderBy: UserOrder\n    $plansFirst: Int = 10\n  ) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...UserFields\n          planCount\n          plans(first: $plansFirst) {\n            id\n            name\n          }\n        }\n      }\n      nodes {\n        id\n        email\n      }\n    }\n  }\n": typeof types.ListUsersDocument,
    "\n  query ListPlans(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: PlanFilter\n    $orderBy: PlanOrder\n    $usersFirst: Int = 10\n  ) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...PlanFields\n          userCount\n          users(first: $usersFirst) {\n            id\n            email\n          }\n        }\n      }\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ListPlansDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($id: UUID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: UUID!) {\n    deleteUser(id: $id)\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation CreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) {\n      ...PlanFields\n    }\n  }\n": typeof types.CreatePlanDocument,
    "\n  mutation UpdatePlan($id: UUID!, $input: UpdatePlanInput!) {\n    updatePlan(id: $id, input: $input) {\n      ...PlanFields\n    }\n  }\n": typeof types.UpdatePlanDocument,
    "\n  mutation DeletePlan($id: UUID!) {\n    deletePlan(id: $id)\n  }\n": typeof types.DeletePlanDocument,
    "\n  mutation CreateUserPlan($input: CreateUserPlanInput!) {\n    createUserPlan(input: $input) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": typeof types.CreateUserPlanDocument,
    "\n  mutation UpdateUserPlan($userId: UUID!, $planId: UUID!, $role: MembershipRole!) {\n    updateUserPlan(userId: $userId, planId: $planId, role: $role) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": typeof types.UpdateUserPlanDocument,
    "\n  mutation DeleteUserPlan($userId: UUID!, $planId: UUID!) {\n    deleteUserPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": typeof types.DeleteUserPlanDocument,
    "\n  mutation AddPlansToUser($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole) {\n    addPlansToUser(userId: $userId, planIds: $planIds, role: $role) {\n      ...UserLinksFields\n    }\n  }\n": typeof types.AddPlansToUserDocument,
    "\n  mutation RemovePlansFromUser($userId: UUID!, $planIds: [UUID!]!) {\n    removePlansFromUser(userId: $userId, planIds: $planIds) {\n      ...UserLinksFields\n    }\n  }\n": typeof types.RemovePlansFromUserDocument,
    "\n  mutation SetUserPlans($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole, $expectedPlanIds: [UUID!]) {\n    setUserPlans(userId: $userId, planIds: $planIds, role: $role, expectedPlanIds: $expectedPlanIds) {\n      ...UserLinksFields\n    }\n  }\n": typeof types.SetUserPlansDocument,
    "\n  mutation AddUsersToPlan($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole) {\n    addUsersToPlan(planId: $planId, userIds: $userIds, role: $role) {\n      ...PlanLinksFields\n    }\n  }\n": typeof types.AddUsersToPlanDocument,
    "\n  mutation RemoveUsersFromPlan($planId: UUID!, $userIds: [UUID!]!) {\n    removeUsersFromPlan(planId: $planId, userIds: $userIds) {\n      ...PlanLinksFields\n    }\n  }\n": typeof types.RemoveUsersFromPlanDocument,
    "\n  mutation SetPlanUsers($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole, $expectedUserIds: [UUID!]) {\n    setPlanUsers(planId: $planId, userIds: $userIds, role: $role, expectedUserIds: $expectedUserIds) {\n      ...PlanLinksFields\n    }\n  }\n": typeof types.SetPlanUsersDocument,
    "\n  subscription MembershipChanged($userId: UUID, $planId: UUID, $after: String) {\n    membershipChanged(userId: $userId, planId: $planId, after: $after) {\n      ...MembershipEventFields\n    }\n  }\n": typeof types.MembershipChangedDocument,
    "\n  fragment MembershipEventFields on MembershipEvent {\n    kind\n    userId\n    planId\n    role\n    at\n    actorId\n    cursor\n  }\n": typeof types.MembershipEventFieldsFragmentDoc,
    "\n  query MembershipHistory($userId: UUID, $planId: UUID, $first: Int, $after: String) {\n    membershipHistory(userId: $userId, planId: $planId, first: $first, after: $after) {\n      nodes {\n        ...MembershipEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MembershipHistoryDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    email\n    name\n    insertedAt\n    updatedAt\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment PlanFields on Plan {\n    id\n    name\n    description\n    insertedAt\n    updatedAt\n  }\n": types.PlanFieldsFragmentDoc,
    "\n  fragment PageInfoFields on PageInfo {\n    hasNextPage\n    hasPreviousPage\n    startCursor\n    endCursor\n  }\n": types.PageInfoFieldsFragmentDoc,
    "\n  fragment UserLinksFields on UserLinksPayload {\n    user {\n      ...UserFields\n      planCount\n      plans(first: 100) {\n        id\n        name\n      }\n    }\n    addedPlanIds\n    removedPlanIds\n    unchangedPlanIds\n  }\n": types.UserLinksFieldsFragmentDoc,
    "\n  fragment PlanLinksFields on PlanLinksPayload {\n    plan {\n      ...PlanFields\n      userCount\n      users(first: 100) {\n        id\n        email\n      }\n    }\n    addedUserIds\n    removedUserIds\n    unchangedUserIds\n  }\n": types.PlanLinksFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...UserFields\n      planCount\n    }\n  }\n": types.ViewerDocument,
    "\n  query GetUser($id: UUID!, $plansFirst: Int, $role: MembershipRole) {\n    user(id: $id) {\n      ...UserFields\n      planCount\n      plans(first: $plansFirst, role: $role) {\n        ...PlanFields\n        userCount\n      }\n      memberships(first: $plansFirst, role: $role) {\n        planId\n        role\n        insertedAt\n        plan {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.GetUserDocument,
    "\n  query GetPlan($id: UUID!, $usersFirst: Int, $role: MembershipRole) {\n    plan(id: $id) {\n      ...PlanFields\n      userCount\n      users(first: $usersFirst, role: $role) {\n        ...UserFields\n        planCount\n      }\n      memberships(first: $usersFirst, role: $role) {\n        userId\n        role\n        insertedAt\n        user {\n          id\n          email\n        }\n      }\n    }\n  }\n": types.GetPlanDocument,
    "\n  query GetUserPlan($userId: UUID!, $planId: UUID!) {\n    userPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n      user {\n        ...UserFields\n      }\n      plan {\n        ...PlanFields\n      }\n    }\n  }\n": types.GetUserPlanDocument,
    "\n  query ListUsers(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: UserFilter\n    $orderBy: UserOrder\n    $plansFirst: Int = 10\n  ) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...UserFields\n          planCount\n          plans(first: $plansFirst) {\n            id\n            name\n          }\n        }\n      }\n      nodes {\n        id\n        email\n      }\n    }\n  }\n": types.ListUsersDocument,
    "\n  query ListPlans(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: PlanFilter\n    $orderBy: PlanOrder\n    $usersFirst: Int = 10\n  ) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...PlanFields\n          userCount\n          users(first: $usersFirst) {\n            id\n            email\n          }\n        }\n      }\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": types.ListPlansDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($id: UUID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation DeleteUser($id: UUID!) {\n    deleteUser(id: $id)\n  }\n": types.DeleteUserDocument,
    "\n  mutation CreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) {\n      ...PlanFields\n    }\n  }\n": types.CreatePlanDocument,
    "\n  mutation UpdatePlan($id: UUID!, $input: UpdatePlanInput!) {\n    updatePlan(id: $id, input: $input) {\n      ...PlanFields\n    }\n  }\n": types.UpdatePlanDocument,
    "\n  mutation DeletePlan($id: UUID!) {\n    deletePlan(id: $id)\n  }\n": types.DeletePlanDocument,
    "\n  mutation CreateUserPlan($input: CreateUserPlanInput!) {\n    createUserPlan(input: $input) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": types.CreateUserPlanDocument,
    "\n  mutation UpdateUserPlan($userId: UUID!, $planId: UUID!, $role: MembershipRole!) {\n    updateUserPlan(userId: $userId, planId: $planId, role: $role) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": types.UpdateUserPlanDocument,
    "\n  mutation DeleteUserPlan($userId: UUID!, $planId: UUID!) {\n    deleteUserPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n": types.DeleteUserPlanDocument,
    "\n  mutation AddPlansToUser($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole) {\n    addPlansToUser(userId: $userId, planIds: $planIds, role: $role) {\n      ...UserLinksFields\n    }\n  }\n": types.AddPlansToUserDocument,
    "\n  mutation RemovePlansFromUser($userId: UUID!, $planIds: [UUID!]!) {\n    removePlansFromUser(userId: $userId, planIds: $planIds) {\n      ...UserLinksFields\n    }\n  }\n": types.RemovePlansFromUserDocument,
    "\n  mutation SetUserPlans($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole, $expectedPlanIds: [UUID!]) {\n    setUserPlans(userId: $userId, planIds: $planIds, role: $role, expectedPlanIds: $expectedPlanIds) {\n      ...UserLinksFields\n    }\n  }\n": types.SetUserPlansDocument,
    "\n  mutation AddUsersToPlan($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole) {\n    addUsersToPlan(planId: $planId, userIds: $userIds, role: $role) {\n      ...PlanLinksFields\n    }\n  }\n": types.AddUsersToPlanDocument,
    "\n  mutation RemoveUsersFromPlan($planId: UUID!, $userIds: [UUID!]!) {\n    removeUsersFromPlan(planId: $planId, userIds: $userIds) {\n      ...PlanLinksFields\n    }\n  }\n": types.RemoveUsersFromPlanDocument,
    "\n  mutation SetPlanUsers($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole, $expectedUserIds: [UUID!]) {\n    setPlanUsers(planId: $planId, userIds: $userIds, role: $role, expectedUserIds: $expectedUserIds) {\n      ...PlanLinksFields\n    }\n  }\n": types.SetPlanUsersDocument,
    "\n  subscription MembershipChanged($userId: UUID, $planId: UUID, $after: String) {\n    membershipChanged(userId: $userId, planId: $planId, after: $after) {\n      ...MembershipEventFields\n    }\n  }\n": types.MembershipChangedDocument,
    "\n  fragment MembershipEventFields on MembershipEvent {\n    kind\n    userId\n    planId\n    role\n    at\n    actorId\n    cursor\n  }\n": types.MembershipEventFieldsFragmentDoc,
    "\n  query MembershipHistory($userId: UUID, $planId: UUID, $first: Int, $after: String) {\n    membershipHistory(userId: $userId, planId: $planId, first: $first, after: $after) {\n      nodes {\n        ...MembershipEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MembershipHistoryDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    email\n    name\n    insertedAt\n    updatedAt\n  }\n"): typeof import('./graphql').UserFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PlanFields on Plan {\n    id\n    name\n    description\n    insertedAt\n    updatedAt\n  }\n"): typeof import('./graphql').PlanFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PageInfoFields on PageInfo {\n    hasNextPage\n    hasPreviousPage\n    startCursor\n    endCursor\n  }\n"): typeof import('./graphql').PageInfoFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserLinksFields on UserLinksPayload {\n    user {\n      ...UserFields\n      planCount\n      plans(first: 100) {\n        id\n        name\n      }\n    }\n    addedPlanIds\n    removedPlanIds\n    unchangedPlanIds\n  }\n"): typeof import('./graphql').UserLinksFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PlanLinksFields on PlanLinksPayload {\n    plan {\n      ...PlanFields\n      userCount\n      users(first: 100) {\n        id\n        email\n      }\n    }\n    addedUserIds\n    removedUserIds\n    unchangedUserIds\n  }\n"): typeof import('./graphql').PlanLinksFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      ...UserFields\n      planCount\n    }\n  }\n"): typeof import('./graphql').ViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetUser($id: UUID!, $plansFirst: Int, $role: MembershipRole) {\n    user(id: $id) {\n      ...UserFields\n      planCount\n      plans(first: $plansFirst, role: $role) {\n        ...PlanFields\n        userCount\n      }\n      memberships(first: $plansFirst, role: $role) {\n        planId\n        role\n        insertedAt\n        plan {\n          id\n          name\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').GetUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetPlan($id: UUID!, $usersFirst: Int, $role: MembershipRole) {\n    plan(id: $id) {\n      ...PlanFields\n      userCount\n      users(first: $usersFirst, role: $role) {\n        ...UserFields\n        planCount\n      }\n      memberships(first: $usersFirst, role: $role) {\n        userId\n        role\n        insertedAt\n        user {\n          id\n          email\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').GetPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetUserPlan($userId: UUID!, $planId: UUID!) {\n    userPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n      user {\n        ...UserFields\n      }\n      plan {\n        ...PlanFields\n      }\n    }\n  }\n"): typeof import('./graphql').GetUserPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListUsers(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: UserFilter\n    $orderBy: UserOrder\n    $plansFirst: Int = 10\n  ) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...UserFields\n          planCount\n          plans(first: $plansFirst) {\n            id\n            name\n          }\n        }\n      }\n      nodes {\n        id\n        email\n      }\n    }\n  }\n"): typeof import('./graphql').ListUsersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListPlans(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $filter: PlanFilter\n    $orderBy: PlanOrder\n    $usersFirst: Int = 10\n  ) {\n    plans(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        ...PageInfoFields\n      }\n      edges {\n        cursor\n        node {\n          ...PlanFields\n          userCount\n          users(first: $usersFirst) {\n            id\n            email\n          }\n        }\n      }\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"): typeof import('./graphql').ListPlansDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      ...UserFields\n    }\n  }\n"): typeof import('./graphql').CreateUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: UUID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      ...UserFields\n    }\n  }\n"): typeof import('./graphql').UpdateUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($id: UUID!) {\n    deleteUser(id: $id)\n  }\n"): typeof import('./graphql').DeleteUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePlan($input: CreatePlanInput!) {\n    createPlan(input: $input) {\n      ...PlanFields\n    }\n  }\n"): typeof import('./graphql').CreatePlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdatePlan($id: UUID!, $input: UpdatePlanInput!) {\n    updatePlan(id: $id, input: $input) {\n      ...PlanFields\n    }\n  }\n"): typeof import('./graphql').UpdatePlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePlan($id: UUID!) {\n    deletePlan(id: $id)\n  }\n"): typeof import('./graphql').DeletePlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUserPlan($input: CreateUserPlanInput!) {\n    createUserPlan(input: $input) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n"): typeof import('./graphql').CreateUserPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUserPlan($userId: UUID!, $planId: UUID!, $role: MembershipRole!) {\n    updateUserPlan(userId: $userId, planId: $planId, role: $role) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n"): typeof import('./graphql').UpdateUserPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUserPlan($userId: UUID!, $planId: UUID!) {\n    deleteUserPlan(userId: $userId, planId: $planId) {\n      userId\n      planId\n      role\n      insertedAt\n    }\n  }\n"): typeof import('./graphql').DeleteUserPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddPlansToUser($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole) {\n    addPlansToUser(userId: $userId, planIds: $planIds, role: $role) {\n      ...UserLinksFields\n    }\n  }\n"): typeof import('./graphql').AddPlansToUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemovePlansFromUser($userId: UUID!, $planIds: [UUID!]!) {\n    removePlansFromUser(userId: $userId, planIds: $planIds) {\n      ...UserLinksFields\n    }\n  }\n"): typeof import('./graphql').RemovePlansFromUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserPlans($userId: UUID!, $planIds: [UUID!]!, $role: MembershipRole, $expectedPlanIds: [UUID!]) {\n    setUserPlans(userId: $userId, planIds: $planIds, role: $role, expectedPlanIds: $expectedPlanIds) {\n      ...UserLinksFields\n    }\n  }\n"): typeof import('./graphql').SetUserPlansDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddUsersToPlan($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole) {\n    addUsersToPlan(planId: $planId, userIds: $userIds, role: $role) {\n      ...PlanLinksFields\n    }\n  }\n"): typeof import('./graphql').AddUsersToPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveUsersFromPlan($planId: UUID!, $userIds: [UUID!]!) {\n    removeUsersFromPlan(planId: $planId, userIds: $userIds) {\n      ...PlanLinksFields\n    }\n  }\n"): typeof import('./graphql').RemoveUsersFromPlanDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPlanUsers($planId: UUID!, $userIds: [UUID!]!, $role: MembershipRole, $expectedUserIds: [UUID!]) {\n    setPlanUsers(planId: $planId, userIds: $userIds, role: $role, expectedUserIds: $expectedUserIds) {\n      ...PlanLinksFields\n    }\n  }\n"): typeof import('./graphql').SetPlanUsersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MembershipChanged($userId: UUID, $planId: UUID, $after: String) {\n    membershipChanged(userId: $userId, planId: $planId, after: $after) {\n      ...MembershipEventFields\n    }\n  }\n"): typeof import('./graphql').MembershipChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MembershipEventFields on MembershipEvent {\n    kind\n    userId\n    planId\n    role\n    at\n    actorId\n    cursor\n  }\n"): typeof import('./graphql').MembershipEventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MembershipHistory($userId: UUID, $planId: UUID, $first: Int, $after: String) {\n    membershipHistory(userId: $userId, planId: $planId, first: $first, after: $after) {\n      nodes {\n        ...MembershipEventFields\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').MembershipHistoryDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
