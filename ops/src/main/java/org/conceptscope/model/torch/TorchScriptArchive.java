package org.conceptscope.model.torch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.conceptscope.model.ModelLoadException;

/**
 * The parts of a TorchScript file ({@code torch.jit.save}) that run or build things, read without
 * libtorch: a zip whose records share one top folder, with {@code data.pkl} (the module object),
 * {@code constants.pkl}, {@code code/**.py} (the serialized TorchScript source libtorch compiles
 * when it loads the file), {@code *.debug_pkl} (source ranges) and {@code data/} (tensor bytes,
 * not read here).
 */
final class TorchScriptArchive {

	/** Largest code or pickle record read into memory (the tensor records are never read). */
	static final long MAX_RECORD_BYTES = 64L << 20;

	private final Path file;
	private final String prefix;
	private final Map<String, String> code;
	private final Map<String, byte[]> pickles;

	private TorchScriptArchive(Path file, String prefix, Map<String, String> code, Map<String, byte[]> pickles) {
		this.file = file;
		this.prefix = prefix;
		this.code = Collections.unmodifiableMap(code);
		this.pickles = Collections.unmodifiableMap(pickles);
	}

	/**
	 * Reads a TorchScript file.
	 *
	 * @throws ModelLoadException naming what the file is when it is not TorchScript
	 */
	static TorchScriptArchive read(Path file, long maxUnpackedBytes) {
		if (!Files.isRegularFile(file)) throw new ModelLoadException(file + " is not a file.");
		byte[] head;
		try (InputStream in = Files.newInputStream(file)) {
			head = in.readNBytes(4);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
		}
		if (head.length < 4 || head[0] != 'P' || head[1] != 'K') {
			String what = head.length > 0 && (head[0] & 0xff) == 0x80
				? " is a legacy torch.save pickle (PyTorch before 1.6), not TorchScript; pickles are Python code, which ConceptScope never runs."
				: " is not a TorchScript file (a TorchScript file is a zip written by torch.jit.save).";
			throw new ModelLoadException(file + what + " Export the model with torch.jit.trace(model, example).save(\"model.pt\").");
		}
		try (ZipFile zip = new ZipFile(file.toFile())) {
			String prefix = null;
			long total = 0;
			Map<String, String> code = new LinkedHashMap<>();
			Map<String, byte[]> pickles = new LinkedHashMap<>();
			boolean hasCode = false, hasData = false;
			java.util.Set<String> names = new java.util.HashSet<>();
			for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
				ZipEntry e = en.nextElement();
				String name = e.getName();
				if (name.startsWith("/") || name.contains("\\") || name.contains("..") || name.indexOf(':') >= 0) {
					throw new ModelLoadException(file + " holds the record '" + name + "', whose name is not a plain relative path: not a file torch.jit.save writes.");
				}
				if (!names.add(name)) {
					throw new ModelLoadException(file + " holds the record '" + name + "' twice; zip readers differ in which one they use, so the file"
						+ " is refused (torch.jit.save never writes a record twice).");
				}
				int slash = name.indexOf('/');
				if (slash <= 0) throw new ModelLoadException(file + " holds the record '" + name + "' outside a top folder: not a file torch.jit.save writes.");
				String top = name.substring(0, slash + 1);
				if (prefix == null) prefix = top;
				else if (!prefix.equals(top)) {
					throw new ModelLoadException(file + " holds records under both '" + prefix + "' and '" + top + "': not a file torch.jit.save writes.");
				}
				if (e.isDirectory()) continue;
				long size = e.getSize();
				total += Math.max(0, size);
				if (size < 0 || total > maxUnpackedBytes) {
					throw new ModelLoadException(file + " unpacks to more than " + maxUnpackedBytes + " bytes; it is refused as a zip bomb.");
				}
				String rel = name.substring(slash + 1);
				if (rel.equals("data.pkl")) hasData = true;
				boolean isCode = rel.startsWith("code/") && rel.endsWith(".py");
				boolean isPickle = rel.endsWith(".pkl") || rel.endsWith(".debug_pkl");
				if (!isCode && !isPickle) continue;
				if (size > MAX_RECORD_BYTES) {
					throw new ModelLoadException(file + ": the record " + rel + " is larger than " + MAX_RECORD_BYTES + " bytes, which no TorchScript export writes.");
				}
				byte[] bytes;
				try (InputStream in = zip.getInputStream(e)) {
					bytes = in.readNBytes((int) size + 1);
				}
				if (bytes.length != size) throw new ModelLoadException(file + ": the record " + rel + " is not as long as the zip says.");
				if (isCode) {
					hasCode = true;
					code.put(rel, utf8(bytes, file, rel));
				} else {
					pickles.put(rel, bytes);
				}
			}
			if (prefix == null || !hasData) {
				throw new ModelLoadException(file + " is a zip but holds no data.pkl: not a TorchScript file. Export the model with"
					+ " torch.jit.trace(model, example).save(\"model.pt\").");
			}
			if (!hasCode) {
				throw new ModelLoadException(file + " is a torch.save file (weights, a state dict or a pickled Python model), not TorchScript:"
					+ " it needs the model's Python code, which ConceptScope never runs. Export the model with"
					+ " torch.jit.trace(model, example).save(\"model.pt\").");
			}
			return new TorchScriptArchive(file, prefix, code, pickles);
		} catch (ZipException e) {
			throw new ModelLoadException(file + " is not a readable zip (" + e.getMessage() + "); TorchScript files are zips written by torch.jit.save.", e);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
		}
	}

	private static String utf8(byte[] bytes, Path file, String rel) {
		try {
			return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
		} catch (CharacterCodingException e) {
			throw new ModelLoadException(file + ": the code record " + rel + " is not UTF-8 text, which torch.jit.save always writes.");
		}
	}

	Path file() {
		return file;
	}

	/** The archive's top folder with its slash, e.g. "weights/". */
	String prefix() {
		return prefix;
	}

	/** Code records by name relative to the top folder ("code/__torch__.py"). */
	Map<String, String> code() {
		return code;
	}

	/** Pickle records by relative name ("data.pkl", "constants.pkl", "code/__torch__.py.debug_pkl"). */
	Map<String, byte[]> pickles() {
		return pickles;
	}

	/** The code record that defines a class of a qualified name "__torch__.a.b.Cls": "code/__torch__/a/b.py". */
	static String codeRecordOf(String qualifiedClass) {
		int dot = qualifiedClass.lastIndexOf('.');
		return "code/" + qualifiedClass.substring(0, dot).replace('.', '/') + ".py";
	}

	/**
	 * Writes a copy of the archive with some code records replaced; their debug records (source
	 * ranges of the old text) are left out. Records are stored uncompressed, as torch.jit.save does.
	 */
	void writeWith(Path target, Map<String, String> replacedCode) throws IOException {
		try (ZipFile zip = new ZipFile(file.toFile()); OutputStream os = Files.newOutputStream(target); ZipOutputStream out = new ZipOutputStream(os)) {
			for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
				ZipEntry e = en.nextElement();
				if (e.isDirectory()) continue;
				String rel = e.getName().substring(prefix.length());
				if (rel.endsWith(".debug_pkl") && replacedCode.containsKey(rel.substring(0, rel.length() - ".debug_pkl".length()))) continue;
				byte[] bytes;
				if (replacedCode.containsKey(rel)) {
					bytes = replacedCode.get(rel).getBytes(StandardCharsets.UTF_8);
				} else {
					try (InputStream in = zip.getInputStream(e)) {
						bytes = in.readAllBytes();
					}
				}
				ZipEntry copy = new ZipEntry(e.getName());
				copy.setMethod(ZipEntry.STORED);
				copy.setSize(bytes.length);
				copy.setCompressedSize(bytes.length);
				CRC32 crc = new CRC32();
				crc.update(bytes);
				copy.setCrc(crc.getValue());
				out.putNextEntry(copy);
				out.write(bytes);
				out.closeEntry();
			}
		}
	}
}
