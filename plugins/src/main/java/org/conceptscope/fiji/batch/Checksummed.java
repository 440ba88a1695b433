package org.conceptscope.fiji.batch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The record format of the batch runner's resume files (parts, tile batches): a magic word, the body,
 * then the CRC-32 of both, so a file cut short or changed reads as damaged rather than as other results.
 */
final class Checksummed {

	/** Bytes of the CRC-32 trailer. */
	static final int TRAILER = 8;

	private Checksummed() {}

	/** What {@code out} wrote into {@code bytes}, followed by its CRC-32. */
	static byte[] sealed(ByteArrayOutputStream bytes, DataOutputStream out) throws IOException {
		out.flush();
		CRC32 crc = new CRC32();
		crc.update(bytes.toByteArray());
		out.writeLong(crc.getValue());
		out.flush();
		return bytes.toByteArray();
	}

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
