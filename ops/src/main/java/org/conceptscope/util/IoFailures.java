package org.conceptscope.util;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** I/O failures in words, for the sentences that tell a user what went wrong with a file. */
public final class IoFailures {

	private IoFailures() {}

	/** What happened to the file: a FileSystemException's message is only the bare path. */
	public static String reason(IOException e) {
		if (e instanceof AccessDeniedException) return "permission denied";
		if (e instanceof NoSuchFileException) return "no such file or folder";
		if (e instanceof NotDirectoryException) return "not a folder";
		if (e instanceof FileAlreadyExistsException) return "a file of that name is in the way";
		if (e instanceof FileSystemException f) return f.getReason() != null ? f.getReason() : "failed";
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}
}
