// Nest and tsyringe read decorator metadata through the Reflect API.
import 'reflect-metadata';
