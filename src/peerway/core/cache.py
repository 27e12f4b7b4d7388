"""The database cache that PEERWAY_CACHE=database selects: Django's, with an ``incr`` that keeps the expiry.

The rate limits of public pages (the request form, /verify/, a private link's codes) count in a fixed window:
``cache.add(key, 0, window)`` starts it and ``cache.incr(key)`` counts. Django's DatabaseCache has no ``incr`` of
its own; the generic one reads the value and sets it again with the default timeout (5 minutes), so each count
would move the window's end, and a 10-minute window would lift 5 minutes after the last try. This ``incr``
changes the value in place, under a row lock, and leaves ``expires`` alone.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class WindowDatabaseCache(DatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, key_column = quote_name(self._table), quote_name("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} WHERE {key_column} = %s{lock}",  # noqa: S608 (quoted names)
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                value, expires = row
                # Read as Django's DatabaseCache reads them (get_many).
                expression = models.Expression(output_field=models.DateTimeField())
                converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
                for converter in converters:
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found.")
            new_value = pickle.loads(base64.b64decode(connection.ops.process_clob(value).encode())) + delta  # noqa: S301 (our own cache table)
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s WHERE {key_column} = %s",  # noqa: S608 (quoted names)
                [encoded, key],
            )
        return new_value
