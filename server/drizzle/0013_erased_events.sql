CREATE TABLE `erased_events` (
	`record_id` text PRIMARY KEY NOT NULL,
	`site_id` text NOT NULL,
	`erased_at` text NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
