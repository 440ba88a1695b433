package org.conceptscope.util;

import java.lang.ref.SoftReference;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One value kept for the key it was made for (masks for an image size, samples for a segment
 * count): a later call with an equal key gets it again instead of making it anew, a call with
 * another key replaces it. Softly held, so memory pressure drops it, and then it is made again.
 * The value is published whole (a reader sees it complete or not at all); two threads that miss
 * together both make it, which costs time, never results, as long as equal keys make equal values.
 */
public final class SoftKept<K, V> {

	private record Entry<K, V>(K key, V value) {}

	private volatile SoftReference<Entry<K, V>> kept;

	/** The value kept for {@code key}, or null when none is (never made, made for another key, or dropped). */
	public V get(K key) {
		SoftReference<Entry<K, V>> ref = kept;
		Entry<K, V> e = ref == null ? null : ref.get();
		return e != null && e.key().equals(key) ? e.value() : null;
	}

	/** Keeps {@code value} for {@code key}, in place of whatever was kept. */
	public void keep(K key, V value) {
		kept = new SoftReference<>(new Entry<>(Objects.requireNonNull(key), Objects.requireNonNull(value)));
	}

	/** The value kept for {@code key}, or the one {@code make} makes, then kept. */
	public V get(K key, Supplier<V> make) {
		V v = get(key);
		if (v == null) {
			v = make.get();
			keep(key, v);
		}
		return v;
	}
}
