ALTER TABLE `sites` ADD `settings_updated_at` integer;--> statement-breakpoint
ALTER TABLE `sites` ADD `settings_updated_by` integer REFERENCES users(id) ON DELETE set null;
