ALTER TABLE `messages` ADD `search_pending` boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_search_pending_idx` ON `messages` (`search_pending`);