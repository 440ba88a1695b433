package org.conceptscope.fiji.batch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The record format of the batch runner's resume files (parts, tile batches): a magic word, the body,
 * then the CRC-32 of both, so a file cut short or changed reads as damaged rather than as other results.
 */
final class Checksummed {

	/** Bytes of the CRC-32 trailer. */
	static final int TRAILER = 8;

	private Checksummed() {}

	/**
	 * A record written by {@code body} into one array, followed by the CRC-32 of what it wrote: the
	 * checksum is taken as the bytes go by, so the record is held once (and copied once, into the
	 * array returned), not three times.
	 */
	static byte[] sealed(int sizeHint, Body body) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(32, sizeHint));
		CRC32 crc = new CRC32();
		DataOutputStream out = new DataOutputStream(new CheckedOutputStream(bytes, crc));
		body.writeTo(out);
		out.flush();
		new DataOutputStream(bytes).writeLong(crc.getValue());
		return bytes.toByteArray();
	}

	/** Writes a record's body. */
	interface Body {
		void writeTo(DataOutputStream out) throws IOException;
	}

	/** Writes floats as big-endian bytes, a chunk at a time (no second array of the floats' size). */
	static void writeFloats(DataOutputStream out, float[] values) throws IOException {
		ByteBuffer chunk = ByteBuffer.allocate(4 * (int) Math.min(values.length, CHUNK));
		for (int at = 0; at < values.length; at += CHUNK) {
			int n = Math.min(CHUNK, values.length - at);
			chunk.clear();
			chunk.asFloatBuffer().put(values, at, n);
			out.write(chunk.array(), 0, 4 * n);
		}
	}

	/** Floats converted at a time. */
	private static final int CHUNK = 1 << 14;

	/**
	 * The body of a sealed record, after its magic word; null when the CRC-32 or the magic word does
	 * not match (the caller has checked that {@code all} holds at least the magic word and the trailer).
	 */
	static DataInputStream body(byte[] all, byte[] magic) throws IOException {
		CRC32 crc = new CRC32();
		crc.update(all, 0, all.length - TRAILER);
		if (crc.getValue() != ByteBuffer.wrap(all, all.length - TRAILER, TRAILER).getLong()) return null;
		DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - TRAILER));
		byte[] read = new byte[magic.length];
		in.readFully(read);
		return Arrays.equals(read, magic) ? in : null;
	}
}
