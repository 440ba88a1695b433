package org.conceptscope.model.torch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the globals (classes and functions, "module.name") a pickle names, by walking its opcodes
 * without running any of them. TorchScript writes pickles with protocol 2 and names every global
 * with the GLOBAL opcode; opcodes that build objects from names on the stack or from an extension
 * registry (STACK_GLOBAL, INST, OBJ, EXT1/2/4) never appear in its files and are refused, so no
 * name can hide from this list.
 */
final class PickleScan {

	/** A pickle that cannot be read, or that uses an opcode TorchScript never writes. */
	static final class BadPickle extends Exception {
		BadPickle(String message) {
			super(message);
		}
	}

	private final byte[] b;
	private int pos;

	private PickleScan(byte[] b) {
		this.b = b;
	}

	/** The globals named, in order (duplicates kept). */
	static List<String> globals(byte[] pickle) throws BadPickle {
		return new PickleScan(pickle).scan();
	}

	private List<String> scan() throws BadPickle {
		List<String> globals = new ArrayList<>();
		while (pos < b.length) {
			int op = b[pos++] & 0xff;
			switch (op) {
				case '.' -> { // STOP
					return globals;
				}
				case '(', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 's', 't', ')', 'u', 0x81, 0x85, 0x86, 0x87, 0x88,
					0x89, 0x8f, 0x90, 0x91, 0x92, 0x94, 0x97, 0x98 -> {
					// no argument
				}
				case 'K', 'h', 'q', 0x80 -> skip(1); // BININT1, BINGET, BINPUT, PROTO
				case 'M' -> skip(2); // BININT2
				case 'J', 'j', 'r' -> skip(4); // BININT, LONG_BINGET, LONG_BINPUT
				case 'G', 0x95 -> skip(8); // BINFLOAT, FRAME
				case 'F', 'I', 'L', 'S', 'V', 'g', 'p' -> line(); // text forms
				case 'T', 'X', 'B' -> skip(u32()); // BINSTRING, BINUNICODE, BINBYTES
				case 'U', 'C', 0x8c -> skip(u8()); // SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE
				case 0x8a -> skip(u8()); // LONG1
				case 0x8b -> skip(u32()); // LONG4
				case 0x8d, 0x8e, 0x96 -> skip(u64()); // BINUNICODE8, BINBYTES8, BYTEARRAY8
				case 'c' -> globals.add(line() + "." + line()); // GLOBAL module\nname\n
				case 0x93 -> throw new BadPickle("names a class through STACK_GLOBAL, which TorchScript never writes");
				case 'i', 'o' -> throw new BadPickle("builds an object with INST/OBJ, which TorchScript never writes");
				case 0x82, 0x83, 0x84 -> throw new BadPickle("uses the pickle extension registry (EXT), which TorchScript never writes");
				case 'P' -> line(); // PERSID with a text id
				default -> throw new BadPickle("holds the byte 0x" + Integer.toHexString(op) + " at " + (pos - 1) + ", which is no pickle opcode");
			}
		}
		throw new BadPickle("ends without a STOP opcode");
	}

	private void skip(long n) throws BadPickle {
		if (n < 0 || pos + n > b.length) throw new BadPickle("is truncated");
		pos += (int) n;
	}

	private int u8() throws BadPickle {
		if (pos + 1 > b.length) throw new BadPickle("is truncated");
		return b[pos++] & 0xff;
	}

	private long u32() throws BadPickle {
		if (pos + 4 > b.length) throw new BadPickle("is truncated");
		long v = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
		pos += 4;
		return v;
	}

	private long u64() throws BadPickle {
		long lo = u32(), hi = u32();
		if (hi != 0) throw new BadPickle("holds a record longer than 4 GB");
		return lo;
	}

	private String line() throws BadPickle {
		int start = pos;
		while (pos < b.length && b[pos] != '\n') pos++;
		if (pos >= b.length) throw new BadPickle("is truncated");
		String s = new String(b, start, pos - start, StandardCharsets.UTF_8);
		pos++;
		return s;
	}
}
