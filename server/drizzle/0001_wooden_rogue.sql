CREATE TABLE `chain_anchors` (
	`site_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`purged_count` integer NOT NULL,
	`purged_at` integer NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `consent_identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`record_id` text NOT NULL,
	`site_id` text NOT NULL,
	`consent_id` text NOT NULL,
	`user_id` text NOT NULL,
	`server_time` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `consent_identities_record_id_unique` ON `consent_identities` (`record_id`);--> statement-breakpoint
CREATE INDEX `consent_identities_site_user` ON `consent_identities` (`site_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `consent_identities_site_consent` ON `consent_identities` (`site_id`,`consent_id`);--> statement-breakpoint
CREATE TABLE `document_acceptances` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`record_id` text NOT NULL,
	`site_id` text NOT NULL,
	`consent_id` text NOT NULL,
	`user_id` text,
	`document_type` text NOT NULL,
	`document_version` text NOT NULL,
	`url` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`client_time` text NOT NULL,
	`server_time` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_acceptances_record_id_unique` ON `document_acceptances` (`record_id`);--> statement-breakpoint
CREATE INDEX `document_acceptances_site_user` ON `document_acceptances` (`site_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `document_acceptances_site_consent` ON `document_acceptances` (`site_id`,`consent_id`);--> statement-breakpoint
CREATE TABLE `export_manifests` (
	`id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`format` text NOT NULL,
	`filters` text NOT NULL,
	`row_count` integer,
	`sha256` text,
	`chain_head_seq` integer,
	`chain_head_hash` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	`created_by` integer,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `export_manifests_site` ON `export_manifests` (`site_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`invited_by` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`invited_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `invitations_site` ON `invitations` (`site_id`);--> statement-breakpoint
ALTER TABLE `consent_records` ADD `erased_at` text;