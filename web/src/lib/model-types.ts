/** What the browser sees of the configured models: plain JSON, no protobuf (the BFF converts ListModels). */

export interface ModelOption {
  id: string;
  displayName: string;
  providerId: string;
  contextWindow: number;
  maxOutputTokens: number;
}

export interface ModelList {
  /** The default first. */
  models: ModelOption[];
  defaultModel: string;
}
