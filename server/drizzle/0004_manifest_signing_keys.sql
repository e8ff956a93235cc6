CREATE TABLE `manifest_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`private_key` text,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
ALTER TABLE `export_manifests` ADD `created_by_email` text;--> statement-breakpoint
ALTER TABLE `export_manifests` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `export_manifests` ADD `signature` text;