export interface SubscriptionRow {
  id: string;
  runner: string;
  url: string;
  /** JSON array of event types, or null for every type. */
  types: string | null;
  project: string | null;
  created_ms: number;
}

/** Runners' event subscriptions registered through the API. */
export interface SubscriptionStore {
  insert(row: SubscriptionRow): Promise<void>;
  all(): Promise<SubscriptionRow[]>;
  get(id: string): Promise<SubscriptionRow | undefined>;
  countForRunner(runner: string): Promise<number>;
  remove(id: string): Promise<boolean>;
}
