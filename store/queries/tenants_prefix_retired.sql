-- Whether a prefix is retired (it belonged to a deleted tenant): one boolean.
-- $1  text: the prefix
SELECT EXISTS (SELECT 1 FROM retired_prefixes WHERE prefix = $1);
