ALTER TABLE `whatsapp_messages` ADD `owner` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `whatsapp_messages` ADD `lease_expires_at` datetime(3);--> statement-breakpoint
CREATE INDEX `whatsapp_messages_status_lease_idx` ON `whatsapp_messages` (`status`,`lease_expires_at`);